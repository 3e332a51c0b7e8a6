/// A small DEFLATE compressor (RFC 1951) for PNG image data. QR images are
/// runs of identical bytes and identical scanlines, so greedy LZ77 matching
/// with the fixed Huffman code (§3.2.6) shrinks them many times over.
enum Deflate {
    /// A zlib stream (RFC 1950): header, DEFLATE data, Adler-32.
    static func zlib(_ data: [UInt8]) -> [UInt8] {
        // CMF 0x78: deflate with a 32 KiB window; FLG 0x01 makes the pair a multiple of 31.
        var output: [UInt8] = [0x78, 0x01]
        output += compress(data)
        output.appendBigEndian(Checksum.adler32(data))
        return output
    }

    /// One final block with the fixed Huffman code.
    static func compress(_ data: [UInt8]) -> [UInt8] {
        var bits = BitWriter()
        bits.write(1, count: 1) // BFINAL
        bits.write(1, count: 2) // BTYPE 01: fixed Huffman
        let windowSize = 32_768, minimumMatch = 3, maximumMatch = 258
        // Most recent position of each 3-byte prefix.
        var head = [Int](repeating: -1, count: 1 << 15)
        func hash(_ index: Int) -> Int {
            (Int(data[index]) << 10 ^ Int(data[index + 1]) << 5 ^ Int(data[index + 2])) & 0x7FFF
        }
        var index = 0
        while index < data.count {
            var bestLength = 0, bestDistance = 0
            if index + minimumMatch <= data.count {
                let key = hash(index)
                let candidate = head[key]
                head[key] = index
                if candidate >= 0 && index - candidate <= windowSize {
                    var length = 0
                    let limit = min(maximumMatch, data.count - index)
                    while length < limit && data[candidate + length] == data[index + length] { length += 1 }
                    if length >= minimumMatch { bestLength = length; bestDistance = index - candidate }
                }
                // Runs of one byte match themselves one byte back.
                if index > 0 && bestLength < maximumMatch {
                    var length = 0
                    let limit = min(maximumMatch, data.count - index)
                    while length < limit && data[index - 1 + length] == data[index + length] { length += 1 }
                    if length >= minimumMatch && length > bestLength { bestLength = length; bestDistance = 1 }
                }
            }
            if bestLength >= minimumMatch {
                bits.writeLength(bestLength)
                bits.writeDistance(bestDistance)
                // Index the skipped positions so later rows can match them.
                let end = min(index + bestLength, data.count - minimumMatch + 1)
                var next = index + 1
                while next < end { head[hash(next)] = next; next += 1 }
                index += bestLength
            } else {
                bits.writeLiteral(Int(data[index]))
                index += 1
            }
        }
        bits.writeLiteral(256) // end of block
        return bits.finish()
    }
}

/// DEFLATE's bit order: values least significant bit first, Huffman codes
/// most significant bit first (RFC 1951 §3.1.1).
private struct BitWriter {
    var bytes: [UInt8] = []
    var buffer: UInt32 = 0
    var used = 0

    mutating func write(_ value: Int, count: Int) {
        buffer |= UInt32(value) << UInt32(used)
        used += count
        while used >= 8 {
            bytes.append(UInt8(buffer & 0xFF))
            buffer >>= 8
            used -= 8
        }
    }

    /// Writes a Huffman code, whose bits go most significant first.
    mutating func writeCode(_ code: Int, length: Int) {
        var reversed = 0
        for bit in 0..<length { reversed |= ((code >> bit) & 1) << (length - 1 - bit) }
        write(reversed, count: length)
    }

    /// A literal/length symbol in the fixed code (§3.2.6).
    mutating func writeLiteral(_ symbol: Int) {
        switch symbol {
        case 0...143: writeCode(0x30 + symbol, length: 8)
        case 144...255: writeCode(0x190 + symbol - 144, length: 9)
        case 256...279: writeCode(symbol - 256, length: 7)
        default: writeCode(0xC0 + symbol - 280, length: 8)
        }
    }

    /// Length codes 257–285 with their extra bits (§3.2.5).
    private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    mutating func writeLength(_ length: Int) {
        var code = Self.lengthBase.count - 1
        while Self.lengthBase[code] > length { code -= 1 }
        writeLiteral(257 + code)
        write(length - Self.lengthBase[code], count: Self.lengthExtra[code])
    }

    mutating func writeDistance(_ distance: Int) {
        var code = Self.distanceBase.count - 1
        while Self.distanceBase[code] > distance { code -= 1 }
        writeCode(code, length: 5) // fixed distance codes are 5 bits
        write(distance - Self.distanceBase[code], count: Self.distanceExtra[code])
    }

    mutating func finish() -> [UInt8] {
        if used > 0 { bytes.append(UInt8(buffer & 0xFF)) }
        buffer = 0
        used = 0
        return bytes
    }
}
