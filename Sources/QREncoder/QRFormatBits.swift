/// The BCH-protected format and version information (ISO/IEC 18004 §7.9,
/// §7.10, Annex C and D).
enum QRFormatBits {
    /// 15 bits: the level's 2 bits and the mask's 3, followed by a BCH(15,5)
    /// remainder under the generator x¹⁰+x⁸+x⁵+x⁴+x²+x+1 (0x537), then XORed
    /// with 101010000010010 so that the result is never all zero.
    static func formatBits(_ level: QRErrorCorrection, _ mask: QRMask) -> Int {
        let data = level.formatBits << 3 | mask.number
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        return (data << 10 | remainder) ^ 0x5412
    }

    /// 18 bits: the 6-bit version followed by a BCH(18,6) remainder under
    /// x¹²+x¹¹+x¹⁰+x⁹+x⁸+x⁵+x²+1 (0x1F25).
    static func versionBits(_ version: QRVersion) -> Int {
        var remainder = version.number
        for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
        return version.number << 12 | remainder
    }
}
