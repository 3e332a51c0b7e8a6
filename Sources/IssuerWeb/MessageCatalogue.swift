import Foundation

/// Every text a page shows, one catalogue per language
/// (`Resources/messages/<language>.json`: a flat object of key → text).
/// Templates name texts as `{{t.key}}`; nothing a person reads is written
/// in a template. Texts may hold `{name}` placeholders, filled by
/// ``text(_:_:)``.
public struct MessageCatalogue: Sendable {
    public let language: WebLanguage
    public let texts: [String: String]

    public init(language: WebLanguage, texts: [String: String]) {
        self.language = language
        self.texts = texts
    }

    /// The text for `key` with its placeholders filled; a missing key shows
    /// itself, so a gap is visible on the page and caught by the tests.
    public func text(_ key: String, _ values: [String: String] = [:]) -> String {
        var text = texts[key] ?? key
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// A count in words: `key_one` for exactly one where the language has
    /// it (English), else `key`; `{count}` is filled with `count`.
    public func plural(_ key: String, count: Int, _ values: [String: String] = [:]) -> String {
        let chosen = count == 1 && texts["\(key)_one"] != nil ? "\(key)_one" : key
        return text(chosen, values.merging(["count": String(count)]) { $1 })
    }

    /// The page text for an API error code, or the general one.
    public func error(_ code: String) -> String {
        texts["error_\(code)"] ?? text("error_other", ["code": code])
    }

    /// Both catalogues from the bundled resources.
    public static func bundled() throws(WebResourceError) -> [WebLanguage: MessageCatalogue] {
        var catalogues: [WebLanguage: MessageCatalogue] = [:]
        for language in WebLanguage.allCases {
            let name = "messages/\(language.rawValue).json"
            let data = try WebResources.data(name)
            guard let texts = try? JSONDecoder().decode([String: String].self, from: data) else {
                throw WebResourceError(name, "is not a JSON object of strings")
            }
            catalogues[language] = MessageCatalogue(language: language, texts: texts)
        }
        return catalogues
    }
}
