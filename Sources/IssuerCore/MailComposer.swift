import CardToken
import Foundation
import IssuerStore
import Mail

/// Renders mails from the catalogues: one message with the Traditional
/// Chinese text first and the English after it, a bilingual subject.
package struct MailComposer: Sendable {
    package let from: String
    package let fromName: String?
    package let baseURL: String
    package let timeZone: TimeZone

    package init(from: String, fromName: String?, baseURL: String, timeZone: TimeZone) {
        self.from = from
        self.fromName = fromName
        self.baseURL = baseURL
        self.timeZone = timeZone
    }

    package func compose(kind: String, to recipient: String, now: Int64,
                 _ text: (MailCatalogue) -> (subject: String, body: String)) -> OutgoingMail? {
        let chinese = text(.traditionalChinese), english = text(.english)
        let body = """
            \(chinese.body)

            \(MailCatalogue.traditionalChinese.signature)

            ----------------------------------------

            \(english.body)

            \(MailCatalogue.english.signature)
            """
        let domain = from.split(separator: "@").last.map(String.init) ?? "localhost"
        let id = Hexadecimal.encode((0..<12).map { _ in UInt8.random(in: 0...255) })
        let message = MailMessage(from: from, fromName: fromName, to: recipient, subject: "\(chinese.subject) / \(english.subject)",
                                  body: body, date: Date(timeIntervalSince1970: TimeInterval(now)), messageID: "\(id)@\(domain)")
        guard let rendered = try? message.rendered() else { return nil }
        return OutgoingMail(kind: kind, recipient: recipient, message: rendered)
    }

    /// A moment as people read it, in the issuer's time zone.
    package func localTime(_ epoch: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss ZZZZZ"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(epoch)))
    }

    package func link(_ path: String, token: String) -> String {
        "\(baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL)\(path)?token=\(token)"
    }

    package var loginURL: String { pageURL("/login") }

    /// A page of the site (`path` starts with `/`).
    package func pageURL(_ path: String) -> String { (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + path }
}
