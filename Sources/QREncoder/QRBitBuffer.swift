/// A growing sequence of bits, most significant first, as the QR bit stream
/// is built (ISO/IEC 18004 §7.4).
struct QRBitBuffer: Hashable, Sendable {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    init(capacityBits: Int = 0) {
        bytes.reserveCapacity((capacityBits + 7) / 8)
    }

    /// Appends the low `length` bits of `value`, most significant first.
    mutating func append(_ value: Int, bits length: Int) {
        precondition(length >= 0 && length <= 31 && value >> length == 0, "value does not fit the bit length")
        for shift in stride(from: length - 1, through: 0, by: -1) {
            if count % 8 == 0 { bytes.append(0) }
            if (value >> shift) & 1 == 1 { bytes[count / 8] |= 0x80 >> UInt8(count % 8) }
            count += 1
        }
    }

    /// Appends all the bits of another buffer.
    mutating func append(_ other: QRBitBuffer) {
        for index in 0..<other.count {
            append(Int(other.bytes[index / 8] >> UInt8(7 - index % 8)) & 1, bits: 1)
        }
    }
}
