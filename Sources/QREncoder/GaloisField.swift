/// Arithmetic in GF(2⁸) with the QR Code's field polynomial
/// x⁸ + x⁴ + x³ + x² + 1 (0x11D) and generator α = 2 (ISO/IEC 18004 §7.5.2).
/// Multiplication goes through log and antilog tables.
enum GaloisField {
    /// α^i for i in 0..<255, and again for 255..<510 so a sum of two logs
    /// needs no reduction.
    static let exponentials: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 510)
        var value = 1
        for index in 0..<255 {
            table[index] = UInt8(value)
            table[index + 255] = UInt8(value)
            value <<= 1
            if value & 0x100 != 0 { value ^= 0x11D }
        }
        return table
    }()

    /// log_α(x) for x in 1…255; log of 0 is undefined and never read.
    static let logarithms: [Int] = {
        var table = [Int](repeating: 0, count: 256)
        for index in 0..<255 { table[Int(exponentials[index])] = index }
        return table
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        guard a != 0 && b != 0 else { return 0 }
        return exponentials[logarithms[Int(a)] + logarithms[Int(b)]]
    }
}
