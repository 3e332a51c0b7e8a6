import Foundation

/// A plain-text message in UTF-8 (RFC 5322 with MIME, RFC 2045–2047):
/// the body is base64, so any text survives any relay, and the subject is
/// an encoded word when it is not ASCII. Header values are checked for
/// line breaks, so nothing can add a header.
public struct MailMessage: Sendable, Equatable {
    public let from: String
    public let fromName: String?
    public let to: String
    public let subject: String
    public let body: String
    public let date: Date
    public let messageID: String

    public init(from: String, fromName: String?, to: String, subject: String, body: String, date: Date, messageID: String) {
        self.from = from
        self.fromName = fromName
        self.to = to
        self.subject = subject
        self.body = body
        self.date = date
        self.messageID = messageID
    }

    /// The message's bytes, CRLF line ends.
    public func rendered() throws(SMTPError) -> [UInt8] {
        for value in [from, fromName ?? "", to, subject, messageID] where value.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) {
            throw SMTPError(.permanent, "a header value holds a line break")
        }
        var headers: [String] = []
        headers.append("From: " + (fromName.map { "\(Self.encodedWord($0)) <\(from)>" } ?? "<\(from)>"))
        headers.append("To: <\(to)>")
        headers.append("Subject: \(Self.encodedWord(subject))")
        headers.append("Date: \(Self.rfc5322Date(date))")
        headers.append("Message-ID: <\(messageID)>")
        headers.append("MIME-Version: 1.0")
        headers.append("Content-Type: text/plain; charset=UTF-8")
        headers.append("Content-Transfer-Encoding: base64")
        let normalised = body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        let encoded = Data(normalised.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return Array((headers.joined(separator: "\r\n") + "\r\n\r\n" + encoded + "\r\n").utf8)
    }

    /// `=?UTF-8?B?…?=` words of at most 75 characters, split on whole
    /// characters, folded onto continuation lines (RFC 2047 §2, §5).
    static func encodedWord(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) && text.utf8.count <= 70 { return text }
        var words: [String] = []
        var chunk = ""
        for character in text {
            let candidate = chunk + String(character)
            if candidate.utf8.count > 45 && !chunk.isEmpty {
                words.append("=?UTF-8?B?\(Data(chunk.utf8).base64EncodedString())?=")
                chunk = String(character)
            } else {
                chunk = candidate
            }
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk.utf8).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
