extension QRCode {
    /// The modules eight to a byte, row-major, the first module in the most
    /// significant bit, the last byte padded with light modules: how the
    /// card page receives a day of symbols (a version-10 code in 458 bytes).
    public var packedModules: [UInt8] {
        var packed = [UInt8](repeating: 0, count: (modules.count + 7) / 8)
        for (index, module) in modules.enumerated() where module != 0 {
            packed[index >> 3] |= 0x80 >> UInt8(index & 7)
        }
        return packed
    }
}
