/// One reply of an SMTP server (RFC 5321 §4.2): a three-digit code and
/// its text lines (`250-first`, …, `250 last`).
public struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    public let code: Int
    public let lines: [String]

    public var description: String { "\(code) \(lines.first ?? "")" }

    /// The most lines one reply may have (an EHLO answer has a dozen).
    static let maximumLines = 100
}

/// Collects reply lines into replies, strictly. (Public for the fuzz targets.)
public struct SMTPReplyAssembler: Sendable {
    private var code: Int?
    private var lines: [String] = []

    public init() {}

    /// Adds a line (without CRLF); returns the reply once its last line came.
    public mutating func add(_ line: [UInt8]) throws(SMTPError) -> SMTPReply? {
        guard line.count >= 3, line[0...2].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw SMTPError(.protocolViolation, "a reply line does not start with a three-digit code")
        }
        let value = Int(line[0] - 0x30) * 100 + Int(line[1] - 0x30) * 10 + Int(line[2] - 0x30)
        guard (200...599).contains(value) else { throw SMTPError(.protocolViolation, "reply code \(value) is outside 200–599") }
        if let code, code != value { throw SMTPError(.protocolViolation, "a multi-line reply changed its code from \(code) to \(value)") }
        let separator: UInt8? = line.count > 3 ? line[3] : nil
        guard separator == nil || separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            throw SMTPError(.protocolViolation, "a reply code is followed by a space or a hyphen")
        }
        code = value
        lines.append(line.count > 4 ? String(decoding: line[4...], as: UTF8.self) : "")
        guard lines.count <= SMTPReply.maximumLines else { throw SMTPError(.protocolViolation, "a reply of more than \(SMTPReply.maximumLines) lines") }
        guard separator != UInt8(ascii: "-") else { return nil }
        defer { code = nil; lines = [] }
        return SMTPReply(code: value, lines: lines)
    }
}
