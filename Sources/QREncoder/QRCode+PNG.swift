extension QRCode {
    /// A PNG image (ISO/IEC 15948): 1-bit grayscale, `moduleSize` pixels per
    /// module, with a four-module quiet zone. The image data is a zlib
    /// stream (RFC 1950) of DEFLATE blocks (RFC 1951) with its Adler-32, and
    /// every chunk carries its CRC-32.
    public func png(moduleSize: Int = 8) throws(QRError) -> [UInt8] {
        guard (1...64).contains(moduleSize) else {
            throw QRError(.invalidParameter, "the module size must be 1 to 64 pixels, not \(moduleSize)")
        }
        let side = (size + 2 * Self.quietZone) * moduleSize
        let rowBytes = (side + 7) / 8
        // Scanlines: filter byte 0, then pixels packed eight to a byte,
        // most significant first; 1 is white, 0 black.
        var scanlines = [UInt8]()
        scanlines.reserveCapacity((rowBytes + 1) * side)
        var row = [UInt8](repeating: 0, count: rowBytes)
        for moduleY in -Self.quietZone..<(size + Self.quietZone) {
            for index in row.indices { row[index] = 0 }
            for pixel in 0..<side {
                let moduleX = pixel / moduleSize - Self.quietZone
                if !isDark(x: moduleX, y: moduleY) { row[pixel / 8] |= 0x80 >> UInt8(pixel % 8) }
            }
            for _ in 0..<moduleSize {
                scanlines.append(0)
                scanlines.append(contentsOf: row)
            }
        }

        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = [UInt8]()
        header.appendBigEndian(UInt32(side))
        header.appendBigEndian(UInt32(side))
        header += [1, 0, 0, 0, 0] // bit depth 1, grayscale, deflate, filter 0, no interlace
        png.appendChunk("IHDR", header)
        png.appendChunk("IDAT", Deflate.zlib(scanlines))
        png.appendChunk("IEND", [])
        return png
    }
}

extension [UInt8] {
    mutating func appendBigEndian(_ value: UInt32) {
        append(UInt8(value >> 24)); append(UInt8(value >> 16 & 0xFF))
        append(UInt8(value >> 8 & 0xFF)); append(UInt8(value & 0xFF))
    }

    /// A PNG chunk: length, type, data, and the CRC-32 of type and data.
    mutating func appendChunk(_ type: String, _ data: [UInt8]) {
        appendBigEndian(UInt32(data.count))
        let typeAndData = Array(type.utf8) + data
        append(contentsOf: typeAndData)
        appendBigEndian(Checksum.crc32(typeAndData))
    }
}
