/// Splits text into the segments that take the fewest bits (the "optimal
/// segmentation" of ISO/IEC 18004 Annex J, computed exactly).
///
/// Dynamic programming over the UTF-8 bytes: for each position and each
/// mode, the cheapest encoding of the prefix that ends in that mode. Costs
/// are counted in sixths of a bit so that numeric (10/3 bits a digit) and
/// alphanumeric (11/2 bits a character) runs are exact; a segment's cost
/// is rounded up to whole bits where it ends, which gives exactly the
/// 4/7/10 and 6/11 bit groups of the standard.
enum QRSegmentation {
    /// The cheapest segmentation of `utf8` at the character-count widths of `version`.
    static func optimalSegments(_ utf8: [UInt8], version: QRVersion) -> [QRSegment] {
        guard !utf8.isEmpty else { return [] }
        let modes = QRMode.allCases
        // A multi-byte UTF-8 character must stay in one byte segment: only
        // ASCII positions may switch modes, and only to byte mode inside a character.
        let count = utf8.count
        let unit = 6
        func cost(_ mode: QRMode, _ byte: UInt8) -> Int? {
            switch mode {
            case .numeric: QRMode.isNumeric(byte) ? 20 : nil       // 10/3 bits
            case .alphanumeric: QRMode.isAlphanumeric(byte) ? 33 : nil // 11/2 bits
            case .byte: 48                                        // 8 bits
            }
        }
        func header(_ mode: QRMode) -> Int { (4 + mode.characterCountBits(version)) * unit }

        // best[mode] = cheapest cost of the prefix ending in `mode` (unrounded);
        // from[i][mode] = the mode the previous byte used on that cheapest path.
        // Before the first byte, each mode's cost is its segment header.
        var best = modes.map { header($0) }
        var from = [[Int8]](repeating: [Int8](repeating: -1, count: modes.count), count: count)
        for index in 0..<count {
            let byte = utf8[index]
            let continuation = byte & 0xC0 == 0x80
            var next = [Int](repeating: Int.max, count: modes.count)
            for mode in modes {
                guard let step = cost(mode, byte) else { continue }
                // Stay in the same mode, or close the previous segment (rounded up) and open a new one.
                for previous in modes {
                    let previousCost = best[previous.rawValue]
                    guard previousCost != Int.max else { continue }
                    let switching = previous != mode
                    if switching && (continuation || index == 0) { continue }
                    let rounded: Int = (previousCost + unit - 1) / unit * unit
                    let base: Int = switching ? rounded + header(mode) : previousCost
                    if base + step < next[mode.rawValue] {
                        next[mode.rawValue] = base + step
                        from[index][mode.rawValue] = Int8(previous.rawValue)
                    }
                }
            }
            best = next
        }

        // Walk back from the cheapest final mode.
        func bits(_ mode: QRMode) -> Int {
            let cost = best[mode.rawValue]
            return cost == Int.max ? Int.max : (cost + unit - 1) / unit
        }
        var mode = modes.min { bits($0) < bits($1) }!
        var modeOf = [QRMode](repeating: .byte, count: count)
        for index in stride(from: count - 1, through: 0, by: -1) {
            modeOf[index] = mode
            mode = QRMode(rawValue: Int(from[index][mode.rawValue]))!
        }
        var segments: [QRSegment] = []
        var start = 0
        for index in 1...count where index == count || modeOf[index] != modeOf[start] {
            let run = utf8[start..<index]
            switch modeOf[start] {
            case .numeric: segments.append(.numeric(utf8: run))
            case .alphanumeric: segments.append(.alphanumeric(utf8: run))
            case .byte: segments.append(.bytes(run))
            }
            start = index
        }
        return segments
    }

    /// The one mode that fits all of `utf8`: numeric if it can, then
    /// alphanumeric, else byte. What single-mode encoders choose.
    static func singleMode(_ utf8: [UInt8]) -> QRMode {
        if utf8.allSatisfy(QRMode.isNumeric) { return .numeric }
        if utf8.allSatisfy(QRMode.isAlphanumeric) { return .alphanumeric }
        return .byte
    }

    static func segment(_ utf8: [UInt8], as mode: QRMode) -> QRSegment {
        switch mode {
        case .numeric: .numeric(utf8: utf8[...])
        case .alphanumeric: .alphanumeric(utf8: utf8[...])
        case .byte: .bytes(utf8)
        }
    }
}
