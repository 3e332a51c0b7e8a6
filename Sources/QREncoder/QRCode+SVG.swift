extension QRCode {
    /// The quiet zone every renderer leaves around the symbol, in modules
    /// (ISO/IEC 18004 §6.3.8 requires four).
    public static let quietZone = 4

    /// An SVG document: one path of the dark modules, a white background, a
    /// four-module quiet zone, and a view box in modules so it scales
    /// crisply to any size. `moduleSize` sets the default width in pixels.
    public func svg(moduleSize: Int = 8) -> String {
        let side = size + 2 * Self.quietZone
        var path = ""
        path.reserveCapacity(size * size * 4)
        // One subpath per horizontal run of dark modules keeps the path short.
        for y in 0..<size {
            var x = 0
            while x < size {
                guard isDark(x: x, y: y) else { x += 1; continue }
                let start = x
                while x < size && isDark(x: x, y: y) { x += 1 }
                path += "M\(start + Self.quietZone) \(y + Self.quietZone)h\(x - start)v1h-\(x - start)z"
            }
        }
        let pixels = side * max(1, moduleSize)
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(pixels)" height="\(pixels)" viewBox="0 0 \(side) \(side)" shape-rendering="crispEdges">
            <rect width="\(side)" height="\(side)" fill="#fff"/>
            <path fill="#000" d="\(path)"/>
            </svg>

            """
    }
}
