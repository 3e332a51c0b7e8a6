/// CRC-32 as PNG, ZIP, zlib and Ethernet define it: polynomial 0xEDB88320
/// reflected, initial and final value all ones. Fed in pieces, it gives
/// the checksum of their concatenation.
public struct CRC32: Sendable {
    private var crc: UInt32 = 0xFFFF_FFFF

    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    public init() {}

    public mutating func update(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { crc = Self.table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    }

    public var value: UInt32 { crc ^ 0xFFFF_FFFF }
}
