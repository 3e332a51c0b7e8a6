/// A QR Code Model 2 version, 1 to 40: the symbol has 4·version + 17
/// modules a side (ISO/IEC 18004 §5.3.1).
public struct QRVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let minimum = QRVersion(uncheckedNumber: 1)
    public static let maximum = QRVersion(uncheckedNumber: 40)
    /// Every version, smallest first.
    public static let all = (1...40).map(QRVersion.init(uncheckedNumber:))

    public let number: Int

    public init(_ number: Int) throws(QRError) {
        guard (1...40).contains(number) else {
            throw QRError(.invalidParameter, "QR versions run from 1 to 40, not \(number)")
        }
        self.number = number
    }

    init(uncheckedNumber number: Int) { self.number = number }

    /// Modules per side.
    public var size: Int { number * 4 + 17 }

    /// Centres of the alignment patterns along each axis (Annex E). The
    /// patterns sit at every pair of these, except where a finder is.
    /// The table's rows follow one rule: the first is 6, the last size − 7,
    /// and the rest are evenly spaced by an even step, rounded up (version
    /// 32, whose rounding would give 28, uses 26 as the table does).
    public var alignmentPatternCentres: [Int] {
        guard number > 1 else { return [] }
        let count = number / 7 + 2
        let step = number == 32 ? 26 : (number * 4 + count * 2 + 1) / (count * 2 - 2) * 2
        var centres = [6]
        for index in 0..<(count - 1) {
            centres.insert(size - 7 - index * step, at: 1)
        }
        return centres
    }

    /// Modules left for data and error correction once the function
    /// patterns, format and version information are placed (Table 1).
    var rawDataModules: Int {
        var modules = (16 * number + 128) * number + 64
        if number >= 2 {
            let alignment = number / 7 + 2
            modules -= (25 * alignment - 10) * alignment - 55
            if number >= 7 { modules -= 36 }
        }
        return modules
    }

    /// All codewords, data and error correction together (Table 7).
    var totalCodewords: Int { rawDataModules / 8 }

    /// Data codewords at an error correction level (Table 7).
    public func dataCodewords(_ level: QRErrorCorrection) -> Int {
        totalCodewords - QRBlockTable.eccCodewordsPerBlock(self, level) * QRBlockTable.blockCount(self, level)
    }

    /// Data bits at an error correction level: the capacity segments must fit.
    public func dataCapacityBits(_ level: QRErrorCorrection) -> Int { dataCodewords(level) * 8 }

    public var description: String { "\(number)" }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.number < rhs.number }
}
