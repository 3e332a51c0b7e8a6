/// Lower-case hexadecimal, for ids and hashes shown to people and logs.
public enum Hexadecimal {
    @usableFromInline static let digits = Array("0123456789abcdef".utf8)

    /// Two digits per byte, written into one buffer (this runs per scan:
    /// per-byte strings or `String(format:)` would cost more than a hash).
    /// Inlinable, so each caller's sequence type is specialised.
    @inlinable
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
