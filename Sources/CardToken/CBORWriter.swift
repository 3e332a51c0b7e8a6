/// Writes CBOR in core deterministic encoding (RFC 8949 §4.2.1): every head
/// in its shortest form and definite lengths. Callers write map entries in
/// key order; ``CBORValue`` sorts them for the general case.
public struct CBORWriter: Sendable {
    /// What has been written so far.
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Writes a head with the shortest argument encoding.
    public mutating func writeHead(_ major: CBORMajorType, _ argument: UInt64) {
        let type = major.rawValue << 5
        switch argument {
        case 0..<24:
            bytes.append(type | UInt8(argument))
        case 24...0xFF:
            bytes.append(type | 24)
            bytes.append(UInt8(argument))
        case 0x100...0xFFFF:
            bytes.append(type | 25)
            appendBigEndian(argument, count: 2)
        case 0x1_0000...0xFFFF_FFFF:
            bytes.append(type | 26)
            appendBigEndian(argument, count: 4)
        default:
            bytes.append(type | 27)
            appendBigEndian(argument, count: 8)
        }
    }

    /// Writes a head into `buffer` at `offset`, which has room for 9 bytes,
    /// and returns the offset after it. For building to-be-signed bytes
    /// without a heap allocation.
    static func writeHead(_ major: CBORMajorType, _ argument: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) -> Int {
        let type = major.rawValue << 5
        let (info, length): (UInt8, Int) = switch argument {
        case 0..<24: (UInt8(argument), 0)
        case 24...0xFF: (24, 1)
        case 0x100...0xFFFF: (25, 2)
        case 0x1_0000...0xFFFF_FFFF: (26, 4)
        default: (27, 8)
        }
        buffer[offset] = type | info
        for index in 0..<length {
            buffer[offset + 1 + index] = UInt8(truncatingIfNeeded: argument >> UInt64(8 * (length - 1 - index)))
        }
        return offset + 1 + length
    }

    private mutating func appendBigEndian(_ value: UInt64, count: Int) {
        for shift in stride(from: (count - 1) * 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    /// Writes an unsigned integer.
    public mutating func writeUnsigned(_ value: UInt64) {
        writeHead(.unsignedInteger, value)
    }

    /// Writes a signed integer as major type 0 or 1.
    public mutating func writeInteger(_ value: Int64) {
        if value >= 0 {
            writeHead(.unsignedInteger, UInt64(value))
        } else {
            // -1 - n  ⇒  n = -1 - value, which never overflows for negative values.
            writeHead(.negativeInteger, UInt64(-1 - value))
        }
    }

    /// Writes a byte string.
    public mutating func writeByteString(_ content: some Collection<UInt8>) {
        writeHead(.byteString, UInt64(content.count))
        bytes.append(contentsOf: content)
    }

    /// Writes a text string.
    public mutating func writeTextString(_ text: String) {
        let utf8 = text.utf8
        writeHead(.textString, UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// Writes an array head; the caller writes `count` items after it.
    public mutating func writeArrayHeader(count: Int) {
        writeHead(.array, UInt64(count))
    }

    /// Writes a map head; the caller writes `count` key/value pairs after it, keys in order.
    public mutating func writeMapHeader(count: Int) {
        writeHead(.map, UInt64(count))
    }

    /// Writes a tag; the caller writes the tagged item after it.
    public mutating func writeTag(_ tag: UInt64) {
        writeHead(.tag, tag)
    }

    /// Appends bytes that already hold complete CBOR items.
    public mutating func writeEncoded(_ encoded: some Collection<UInt8>) {
        bytes.append(contentsOf: encoded)
    }
}
