import Foundation
import Mustache

/// Renders the pages: Mustache templates (`Resources/templates`, HTML
/// escaped by default) with the visitor's catalogue as `t`, the assets'
/// versioned paths as `assets`, and the language switch.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary
    public let catalogues: [WebLanguage: MessageCatalogue]
    public let assets: StaticAssets
    public let templateNames: [String]

    public init() throws(WebResourceError) {
        var library = MustacheLibrary()
        var names: [String] = []
        for file in try WebResources.files(in: "templates", ending: ".mustache") {
            let name = String(file.dropLast(".mustache".count))
            let text = String(decoding: try WebResources.data("templates/\(file)"), as: UTF8.self)
            do {
                try library.register(text, named: name)
            } catch {
                throw WebResourceError("templates/\(file)", "does not parse: \(error)")
            }
            names.append(name)
        }
        self.library = library
        self.templateNames = names
        catalogues = try MessageCatalogue.bundled()
        assets = try StaticAssets()
    }

    public func catalogue(_ language: WebLanguage) -> MessageCatalogue { catalogues[language]! }

    /// The page `template` in `language`; `values` are the page's own.
    public func render(_ template: String, language: WebLanguage, values: [String: Any]) -> String {
        var context = values
        context["t"] = catalogue(language).texts
        context["lang"] = language.rawValue
        context["other_lang"] = language.other.rawValue
        context["assets"] = assets.paths
        return library.render(context, withTemplate: template) ?? "template \(template) is missing"
    }

    /// Text for a `<script type="application/json">` data block: JSON with
    /// `<` escaped, so no text can close the element.
    public static func jsonDataBlock(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return text.replacingOccurrences(of: "<", with: "\\u003c")
    }
}
