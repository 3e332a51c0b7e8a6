import CardToken
import Crypto
import Foundation

/// The personal-data notice an applicant agrees to (`GET /v1/consent`):
/// its version, its texts, and the SHA-256 that the application and the
/// receipt mail keep. The hash covers the Traditional Chinese text, a NUL
/// byte and the English text, as UTF-8.
struct ConsentNotice: Sendable, Encodable {
    let version: String
    let text: [String: String]
    let sha256: String

    enum CodingKeys: String, CodingKey { case version, text, sha256 }

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
        let digest = SHA256.hash(data: Data(chinese.utf8) + Data([0]) + Data(english.utf8))
        return ConsentNotice(version: file.version, text: ["zh-Hant": chinese, "en": english], sha256: Hexadecimal.encode(digest))
    }
}
