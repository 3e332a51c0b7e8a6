import CardToken
import Foundation

/// A verdict for people: one headline, then the facts a cashier or an
/// administrator needs, times shown in the given zone.
public enum VerdictText {
    public static func render(_ report: VerdictReport, timeZone: TimeZone) -> String {
        var lines: [String] = []
        if report.verdict == "ok" {
            lines.append("OK: the card is valid")
        } else {
            lines.append("REFUSED (\(report.reason)): \(report.message)")
            lines.append("  why          \(report.detail)")
        }
        if let number = report.cardNumber, let name = report.holderName, let through = report.validThrough {
            lines.append("  card         \(number), \(name), valid through \(through)")
        }
        if let issued = report.issuedAt, let expires = report.expiresAt {
            let left = report.secondsLeft.map { $0 > 0 ? " (\($0) s left)" : " (past)" } ?? ""
            lines.append("  token        issued \(format(issued, timeZone)), expires \(format(expires, timeZone))\(left)")
        }
        if let kid = report.kid {
            lines.append("  signed by    key \(kid)\(report.alg.map { " (\($0))" } ?? "")")
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ epoch: UInt64, _ timeZone: TimeZone) -> String {
        guard epoch < 253_402_300_800 else { return "\(epoch) (epoch seconds)" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss xxx"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(epoch)))
    }

    /// The report as one line of JSON, keys sorted for stable output.
    public static func json(_ report: VerdictReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self)
    }
}
