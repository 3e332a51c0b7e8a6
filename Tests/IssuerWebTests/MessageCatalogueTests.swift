import Foundation
@testable import IssuerWeb
import Testing

/// Every text a page shows comes from the catalogues, and both languages
/// say the same things.
@Suite("Message catalogues and templates")
struct MessageCatalogueTests {
    static let renderer = Result { try PageRenderer() }

    @Test func bothLanguagesHaveTheSameKeysAndNoEmptyText() throws {
        let catalogues = try MessageCatalogue.bundled()
        let chinese = try #require(catalogues[.chinese]), english = try #require(catalogues[.english])
        #expect(Set(chinese.texts.keys) == Set(english.texts.keys),
                "only in one: \(Set(chinese.texts.keys).symmetricDifference(english.texts.keys).sorted())")
        for (key, text) in chinese.texts.merging(english.texts.map { ("en." + $0.key, $0.value) }, uniquingKeysWith: { a, _ in a }) {
            #expect(!text.trimmingCharacters(in: .whitespaces).isEmpty, "\(key) is empty")
        }
        // The same placeholders in both, or a filled text would lose a value.
        for key in chinese.texts.keys {
            #expect(Self.placeholders(chinese.texts[key]!) == Self.placeholders(english.texts[key] ?? ""), "placeholders of \(key)")
        }
    }

    static func placeholders(_ text: String) -> Set<String> {
        Set(text.matches(of: /\{([a-z_]+)\}/).map { String($0.1) })
    }

    @Test func everyTextATemplateNamesIsInTheCatalogue() throws {
        let catalogue = try #require(try MessageCatalogue.bundled()[.chinese])
        let renderer = try Self.renderer.get()
        #expect(renderer.templateNames.count >= 12, "\(renderer.templateNames)")
        var named: Set<String> = []
        for name in renderer.templateNames {
            let text = String(decoding: try WebResources.data("templates/\(name).mustache"), as: UTF8.self)
            for match in text.matches(of: /\{\{t\.([a-z0-9_]+)\}\}/) { named.insert(String(match.1)) }
        }
        #expect(!named.isEmpty)
        #expect(named.subtracting(catalogue.texts.keys).isEmpty, "missing: \(named.subtracting(catalogue.texts.keys).sorted())")
    }

    @Test func templatesHoldNoTextOfTheirOwn() throws {
        // Between tags, a template may hold only Mustache tags, punctuation and spaces.
        let renderer = try Self.renderer.get()
        for name in renderer.templateNames {
            let text = String(decoding: try WebResources.data("templates/\(name).mustache"), as: UTF8.self)
            let withoutTags = text.replacing(/\{\{[^}]*\}\}\}?/, with: "").replacing(/<[^>]*>/, with: "")
            let letters = withoutTags.unicodeScalars.filter { $0.properties.isAlphabetic }
            #expect(letters.isEmpty, "\(name) has its own words: \(String(String.UnicodeScalarView(letters)).prefix(80))")
        }
    }

    @Test func aRenderedPageIsEscapedAndInTheChosenLanguage() throws {
        let renderer = try Self.renderer.get()
        let html = renderer.render("error", language: .english, values: ["text": "<script>alert(1)</script>", "language_link": "/lang?to=zh-Hant&back=/"])
        #expect(html.contains("<html lang=\"en\">"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<script>alert"))
        #expect(html.contains("Something went wrong"))
        let chinese = renderer.render("error", language: .chinese, values: ["text": "x", "language_link": "/lang?to=en&back=/"])
        #expect(chinese.contains("<html lang=\"zh-Hant\">") && chinese.contains("發生問題") && chinese.contains(">English<"))
        // Assets are linked with their version.
        let css = try #require(renderer.assets["app.css"])
        #expect(html.contains("/static/app.css?v=\(css.version)"))
    }

    @Test func aJSONDataBlockCannotCloseItsElement() {
        let text = PageRenderer.jsonDataBlock(["a": "</script><script>alert(1)</script>"])
        #expect(!text.contains("<"))
        let decoded = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String]
        #expect(decoded?["a"] == "</script><script>alert(1)</script>")
    }

    @Test func theServiceWorkerKeepsTheShellOfTheCurrentRelease() throws {
        let assets = try StaticAssets()
        let worker = try CardServiceWorker(assets: assets, shell: ["/card", assets["card.js"]!.path])
        #expect(worker.script.contains("alumnicard-card-\(assets.combinedVersion)"))
        #expect(worker.script.contains("\"/card\", \"/static/card.js?v=\(assets["card.js"]!.version)\""))
        #expect(!worker.script.contains("__SHELL__") && !worker.script.contains("__VERSION__"))
        #expect(assets["card-sw.js"] == nil, "the worker is served from the root only")
    }
}
