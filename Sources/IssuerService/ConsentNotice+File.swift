import Foundation
import IssuerCore

extension ConsentNotice {
    private struct File: Decodable {
        let version: String
        let text: [String: String]
    }

    static func load(path: String?) throws(IssuerServiceError) -> ConsentNotice {
        let data: Data?
        if let path { data = FileManager.default.contents(atPath: path) } else {
            data = Bundle.module.url(forResource: "consent", withExtension: "json").flatMap { try? Data(contentsOf: $0) }
        }
        guard let data, let file = try? JSONDecoder().decode(File.self, from: data),
              let chinese = file.text["zh-Hant"], let english = file.text["en"], !file.version.isEmpty, file.version.utf8.count <= 64 else {
            throw IssuerServiceError(.configuration, "applications.consent_file: \(path ?? "the bundled notice") is not JSON {\"version\": \"…\", \"text\": {\"zh-Hant\": \"…\", \"en\": \"…\"}}")
        }
        return ConsentNotice(version: file.version, chinese: chinese, english: english)
    }
}
