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

    /// Adds bytes. Contiguous ones (arrays, slices, buffers) go through one
    /// tight loop; a generic sequence called across modules would otherwise
    /// cost a dynamic call per byte.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        if bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) != nil { return }
        for byte in bytes { crc = Self.table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    }

    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        var value = crc
        Self.table.withUnsafeBufferPointer { table in
            for byte in buffer { value = table[Int((value ^ UInt32(byte)) & 0xFF)] ^ (value >> 8) }
        }
        crc = value
    }

    public var value: UInt32 { crc ^ 0xFFFF_FFFF }
}
