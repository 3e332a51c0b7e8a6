/// One of the eight data mask patterns (ISO/IEC 18004 §7.8.2, Table 10).
/// A mask inverts the data modules where its condition holds, to break up
/// patterns that would confuse a reader.
public struct QRMask: Hashable, Sendable, CustomStringConvertible {
    public let number: Int

    public init(_ number: Int) throws(QRError) {
        guard (0...7).contains(number) else {
            throw QRError(.invalidParameter, "QR mask patterns run from 0 to 7, not \(number)")
        }
        self.number = number
    }

    init(uncheckedNumber number: Int) { self.number = number }

    public static let all = (0...7).map(QRMask.init(uncheckedNumber:))

    /// Whether the module in row `y`, column `x` is inverted (Table 10's
    /// conditions, with i = row and j = column).
    @inline(__always)
    func inverts(x: Int, y: Int) -> Bool {
        switch number {
        case 0: (x + y) % 2 == 0
        case 1: y % 2 == 0
        case 2: x % 3 == 0
        case 3: (x + y) % 3 == 0
        case 4: (x / 3 + y / 2) % 2 == 0
        case 5: x * y % 2 + x * y % 3 == 0
        case 6: (x * y % 2 + x * y % 3) % 2 == 0
        default: ((x + y) % 2 + x * y % 3) % 2 == 0
        }
    }

    public var description: String { "\(number)" }
}
