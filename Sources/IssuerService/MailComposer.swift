import CardToken
import Foundation
import IssuerStore
import Mail

/// Renders mails from the catalogues: one message with the Traditional
/// Chinese text first and the English after it, a bilingual subject.
struct MailComposer: Sendable {
    let from: String
    let fromName: String?
    let baseURL: String
    let timeZone: TimeZone

    func compose(kind: String, to recipient: String, now: Int64,
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
    func localTime(_ epoch: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss ZZZZZ"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(epoch)))
    }

    func link(_ path: String, token: String) -> String {
        "\(baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL)\(path)?token=\(token)"
    }

    var loginURL: String { baseURL.hasSuffix("/") ? baseURL + "login" : baseURL + "/login" }
}
