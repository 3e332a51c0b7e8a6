/// The four error correction levels (ISO/IEC 18004 §5.3.8): roughly 7%, 15%,
/// 25% and 30% of the codewords can be restored.
public enum QRErrorCorrection: Int, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    case low = 0, medium, quartile, high

    /// The two bits the format information carries for this level (Table C.1):
    /// L = 01, M = 00, Q = 11, H = 10.
    var formatBits: Int {
        switch self {
        case .low: 1
        case .medium: 0
        case .quartile: 3
        case .high: 2
        }
    }

    /// The level from its letter, L, M, Q or H (either case).
    public init?(letter: String) {
        switch letter.uppercased() {
        case "L": self = .low
        case "M": self = .medium
        case "Q": self = .quartile
        case "H": self = .high
        default: return nil
        }
    }

    public var letter: String { ["L", "M", "Q", "H"][rawValue] }
    public var description: String { letter }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
