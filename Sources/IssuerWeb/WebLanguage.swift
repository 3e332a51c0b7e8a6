import Foundation

/// The languages every page is written in. Traditional Chinese is the
/// centre's own and the default; English for everyone else.
public enum WebLanguage: String, CaseIterable, Sendable {
    case chinese = "zh-Hant"
    case english = "en"

    /// The longest `Accept-Language` header read; longer ones are cut, not refused.
    static let maximumHeaderBytes = 1_024

    /// The language a page is shown in: the visitor's own choice (the
    /// `lang` cookie) if it names one of ours, else the best of their
    /// browser's `Accept-Language`, else Chinese.
    public static func choose(cookie: String?, acceptLanguage: String?) -> WebLanguage {
        if let cookie, let chosen = WebLanguage(rawValue: cookie) { return chosen }
        guard let header = acceptLanguage else { return .chinese }
        var best: (language: WebLanguage, quality: Double)?
        for item in header.utf8.prefix(maximumHeaderBytes).split(separator: UInt8(ascii: ",")).prefix(32) {
            let parts = item.split(separator: UInt8(ascii: ";"))
            guard let tagBytes = parts.first else { continue }
            let tag = String(decoding: tagBytes, as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased()
            var quality = 1.0
            for parameter in parts.dropFirst() {
                let text = String(decoding: parameter, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                if text.hasPrefix("q="), let value = Double(text.dropFirst(2)), (0...1).contains(value) { quality = value }
            }
            guard quality > 0, let language = language(ofTag: tag) else { continue }
            if best == nil || quality > best!.quality { best = (language, quality) }
        }
        return best?.language ?? .chinese
    }

    /// `zh`, `zh-TW`, `zh-Hant-…` are ours; `zh-CN`/`zh-Hans` readers read
    /// Traditional Chinese better than English, so they get it too.
    static func language(ofTag tag: String) -> WebLanguage? {
        if tag == "zh" || tag.hasPrefix("zh-") { return .chinese }
        if tag == "en" || tag.hasPrefix("en-") { return .english }
        return nil
    }

    /// The other language, for the switch on every page.
    public var other: WebLanguage { self == .chinese ? .english : .chinese }
}

