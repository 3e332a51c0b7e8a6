import CardToken
import Crypto
import Foundation

/// The personal-data notice an applicant agrees to (`GET /v1/consent`):
/// its version, its texts, and the SHA-256 that the application and the
/// receipt mail keep. The hash covers the Traditional Chinese text, a NUL
/// byte and the English text, as UTF-8.
package struct ConsentNotice: Sendable, Encodable {
    package let version: String
    package let text: [String: String]
    package let sha256: String

    package enum CodingKeys: String, CodingKey { case version, text, sha256 }

    package init(version: String, text: [String: String], sha256: String) {
        self.version = version
        self.text = text
        self.sha256 = sha256
    }

    /// The notice with its hash computed from the texts.
    package init(version: String, chinese: String, english: String) {
        let digest = SHA256.hash(data: Data(chinese.utf8) + Data([0]) + Data(english.utf8))
        self.init(version: version, text: ["zh-Hant": chinese, "en": english], sha256: Hexadecimal.encode(digest))
    }
}
