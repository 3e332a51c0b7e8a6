/// The segment modes this encoder writes (ISO/IEC 18004 §7.4.3–§7.4.5).
/// Kanji and ECI are left out: AC1 text is alphanumeric, and byte mode
/// carries any UTF-8.
public enum QRMode: Int, Sendable, CaseIterable, CustomStringConvertible {
    case numeric, alphanumeric, byte

    /// The 4-bit mode indicator (Table 2).
    var indicator: Int {
        switch self {
        case .numeric: 0b0001
        case .alphanumeric: 0b0010
        case .byte: 0b0100
        }
    }

    /// Bits of the character count indicator (Table 3), which grows at
    /// versions 10 and 27.
    public func characterCountBits(_ version: QRVersion) -> Int {
        let group = version.number <= 9 ? 0 : version.number <= 26 ? 1 : 2
        switch self {
        case .numeric: return [10, 12, 14][group]
        case .alphanumeric: return [9, 11, 13][group]
        case .byte: return [8, 16, 16][group]
        }
    }

    public var description: String {
        switch self {
        case .numeric: "numeric"
        case .alphanumeric: "alphanumeric"
        case .byte: "byte"
        }
    }

    /// The 45 characters of alphanumeric mode, in value order (Table 5).
    static let alphanumericCharacters: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".utf8)

    /// Alphanumeric value by ASCII code; -1 outside the set.
    static let alphanumericValues: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (value, character) in alphanumericCharacters.enumerated() { table[Int(character)] = Int8(value) }
        return table
    }()

    static func isNumeric(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isAlphanumeric(_ byte: UInt8) -> Bool { alphanumericValues[Int(byte)] >= 0 }
}
