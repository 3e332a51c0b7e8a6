import AccountRules
import Crypto
import Foundation

/// Seals holders' personal data (names, e-mail addresses) at rest with
/// AES-256-GCM, and makes the keyed hashes that find a holder by e-mail
/// without storing the address in the clear. Both keys are derived from
/// the KEK with HKDF-SHA256 (RFC 5869), each for one purpose.
package struct PersonalDataSeal: Sendable {
    private let sealingKey: SymmetricKey
    private let indexKey: SymmetricKey

    package init(kek: KeyEncryptionKey) {
        sealingKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: kek.key, info: Data("alumnicard personal data v1".utf8), outputByteCount: 32)
        indexKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: kek.key, info: Data("alumnicard lookup index v1".utf8), outputByteCount: 32)
    }

    /// Seals `text`, bound to the field and the row's student ID, so a
    /// value copied onto another holder or field does not open.
    package func seal(_ text: String, field: String, studentID: String) -> Data {
        let context = Data("\(field)|\(studentID)".utf8)
        return try! AES.GCM.seal(Data(text.utf8), using: sealingKey, authenticating: context).combined!
    }

    package func open(_ sealed: Data, field: String, studentID: String) throws(IssuerStoreError) -> String {
        let context = Data("\(field)|\(studentID)".utf8)
        guard let box = try? AES.GCM.SealedBox(combined: sealed),
              let plain = try? AES.GCM.open(box, using: sealingKey, authenticating: context),
              let text = String(data: plain, encoding: .utf8) else {
            throw IssuerStoreError(.corruptRecord, "the \(field) of holder \(studentID) does not decrypt under this KEK")
        }
        return text
    }

    /// HMAC-SHA256 of a normalised identity number: finds a holder or an
    /// application by national ID, and keeps national IDs unique, without
    /// storing one in the clear. The purpose prefix keeps it apart from the
    /// other indexes under the same key.
    package func nationalIDIndex(_ number: IdentityNumber) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data("national_id|\(number.value)".utf8), using: indexKey))
    }

    /// HMAC-SHA256 of a normalised mobile number.
    package func mobileIndex(_ number: TaiwanMobileNumber) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data("mobile|\(number.digits)".utf8), using: indexKey))
    }

    /// HMAC-SHA256 of a normalised login name, whatever it is: the key of
    /// its failures and the name in the log, so a national ID typed as the
    /// login is never stored or logged in clear.
    package func loginNameIndex(_ login: LoginName) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data("login|\(login.text)".utf8), using: indexKey))
    }

    /// The key a login name's failures are counted under, and the name the
    /// log gives it: `name:` and 32 hex digits of its keyed hash.
    package func loginKey(_ login: LoginName) -> String {
        "name:" + loginNameIndex(login).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// HMAC-SHA256 of the normalised (trimmed, lower-cased) address.
    package func emailIndex(_ email: String) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data(Self.normalise(email).utf8), using: indexKey))
    }

    package static func normalise(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespaces).lowercased()
    }
}
