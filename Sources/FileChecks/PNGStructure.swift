import Checksums

/// A PNG's chunk structure (ISO/IEC 15948 §5), walked as it streams:
/// the signature, then chunks of length, type, data and CRC-32 (checked),
/// `IHDR` first with 13 bytes and a non-zero size, at least one `IDAT`,
/// `IEND` last and empty. Nothing is decompressed.
struct PNGStructure: Sendable {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    private enum State: Sendable {
        case signature(Int)
        case header([UInt8])
        case data(left: Int)
        case checksum([UInt8])
        case ended
    }

    private var state: State = .signature(0)
    private var type: [UInt8] = []
    private var length = 0
    private var crc = CRC32()
    private var chunks = 0
    private var sawData = false
    /// The first chunk's data (IHDR), checked when it is complete.
    private var headerData: [UInt8] = []

    static let maximumChunks = 100_000
    /// Each side at most this many pixels (a scan or a photo is far below).
    static let maximumSide: UInt32 = 20_000

    mutating func feed(_ bytes: ArraySlice<UInt8>) throws(FileStructureError) -> Int {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            switch state {
            case .ended:
                return index - bytes.startIndex
            case .signature(let seen):
                guard bytes[index] == Self.signature[seen] else { throw .malformed("not a PNG signature") }
                index += 1
                state = seen == 7 ? .header([]) : .signature(seen + 1)
            case .header(var header):
                header.append(bytes[index])
                index += 1
                guard header.count == 8 else { state = .header(header); continue }
                try begin(header)
            case .data(let left):
                let take = min(left, bytes.endIndex - index)
                let part = bytes[index..<index + take]
                crc.update(part)
                if chunks == 1 { headerData += part }
                index += take
                state = left - take > 0 ? .data(left: left - take) : .checksum([])
            case .checksum(var sum):
                sum.append(bytes[index])
                index += 1
                guard sum.count == 4 else { state = .checksum(sum); continue }
                try end(sum)
            }
        }
        if case .ended = state { return index - bytes.startIndex }
        return bytes.count
    }

    private mutating func begin(_ header: [UInt8]) throws(FileStructureError) {
        length = Int(UInt32(header[0]) << 24 | UInt32(header[1]) << 16 | UInt32(header[2]) << 8 | UInt32(header[3]))
        type = Array(header[4...7])
        guard length <= 0x7FFF_FFFF else { throw .malformed("a chunk length above 2³¹ − 1") }
        guard type.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else { throw .malformed("a chunk type that is not four letters") }
        chunks += 1
        guard chunks <= Self.maximumChunks else { throw .malformed("more than \(Self.maximumChunks) chunks") }
        let name = String(decoding: type, as: UTF8.self)
        if chunks == 1 {
            guard name == "IHDR", length == 13 else { throw .malformed("the first chunk is not a 13-byte IHDR") }
        } else if name == "IHDR" {
            throw .malformed("a second IHDR")
        }
        if name == "IDAT" { sawData = true }
        if name == "IEND" {
            guard length == 0 else { throw .malformed("IEND with data") }
            guard sawData else { throw .malformed("IEND before any IDAT") }
        }
        crc = CRC32()
        crc.update(type[...])
        state = length > 0 ? .data(left: length) : .checksum([])
    }

    private mutating func end(_ sum: [UInt8]) throws(FileStructureError) {
        let expected = UInt32(sum[0]) << 24 | UInt32(sum[1]) << 16 | UInt32(sum[2]) << 8 | UInt32(sum[3])
        guard crc.value == expected else { throw .malformed("chunk \(String(decoding: type, as: UTF8.self)) has a wrong CRC") }
        if chunks == 1 {
            let width = headerData[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let height = headerData[4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard (1...Self.maximumSide).contains(width), (1...Self.maximumSide).contains(height) else {
                throw .malformed("a size of \(width) × \(height) pixels")
            }
        }
        state = type == Array("IEND".utf8) ? .ended : .header([])
    }

    func finish() throws(FileStructureError) {
        guard case .ended = state else { throw .truncated("the PNG has no IEND chunk") }
    }
}
