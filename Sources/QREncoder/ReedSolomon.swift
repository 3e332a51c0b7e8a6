/// Reed–Solomon error correction codewords (ISO/IEC 18004 §7.5.2): the
/// remainder of the data polynomial times x^n divided by the generator
/// polynomial g(x) = (x − α⁰)(x − α¹)…(x − α^(n−1)).
enum ReedSolomon {
    /// The generator polynomial of degree `degree`, coefficients from x^(n−1)
    /// down to x⁰; the leading x^n coefficient (always 1) is left out.
    static func generator(degree: Int) -> [UInt8] {
        precondition((1...68).contains(degree), "degree out of range")
        // Start from g(x) = 1 and multiply by (x − αⁱ) for each root; in
        // GF(2⁸) subtraction is XOR, so (x − αⁱ) = (x + αⁱ).
        var coefficients = [UInt8](repeating: 0, count: degree)
        coefficients[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for index in 0..<degree {
                coefficients[index] = GaloisField.multiply(coefficients[index], root)
                if index + 1 < degree { coefficients[index] ^= coefficients[index + 1] }
            }
            root = GaloisField.multiply(root, 2)
        }
        return coefficients
    }

    /// Generators for every degree Table 9 uses, computed once.
    static let generators: [[UInt8]] = (0...30).map { $0 == 0 ? [] : generator(degree: $0) }

    /// The `count` error correction codewords of `data`, by polynomial
    /// division done as a shift register.
    static func remainder(of data: ArraySlice<UInt8>, count: Int) -> [UInt8] {
        let divisor = generators[count]
        var result = [UInt8](repeating: 0, count: count)
        let logs = GaloisField.logarithms, exps = GaloisField.exponentials
        let divisorLogs = divisor.map { logs[Int($0)] }
        for byte in data {
            let factor = byte ^ result[0]
            result.removeFirst()
            result.append(0)
            guard factor != 0 else { continue }
            let factorLog = logs[Int(factor)]
            for index in 0..<count where divisor[index] != 0 {
                result[index] ^= exps[divisorLogs[index] + factorLog]
            }
        }
        return result
    }
}
