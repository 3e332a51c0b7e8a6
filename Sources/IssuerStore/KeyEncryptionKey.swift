import Crypto
import Foundation
import SecureFiles

/// The key-encryption key (KEK): 32 bytes that seal every private signing
/// key in the database with AES-256-GCM. It lives outside the database, in
/// a 0600 file or a systemd credential, so a stolen database file alone
/// yields no signing key.
public struct KeyEncryptionKey: Sendable {
    package let key: SymmetricKey

    /// The credential name under `$CREDENTIALS_DIRECTORY` (systemd `LoadCredential=`).
    public static let credentialName = "alumnicard-kek"

    public init(bytes: [UInt8]) throws(IssuerStoreError) {
        guard bytes.count == 32 else {
            throw IssuerStoreError(.kekUnavailable, "a key-encryption key is 32 bytes, not \(bytes.count)")
        }
        key = SymmetricKey(data: bytes)
    }

    public static func generate() -> (key: KeyEncryptionKey, fileContents: Data) {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        return (try! KeyEncryptionKey(bytes: bytes), Data((Data(bytes).base64EncodedString() + "\n").utf8))
    }

    /// Reads a KEK file: the key's 32 bytes in base64 on one line.
    public static func load(path: String) throws(IssuerStoreError) -> KeyEncryptionKey {
        let data: Data
        do {
            data = try SecureFile.read(path, limit: 4096)
        } catch {
            throw IssuerStoreError(.kekUnavailable, "cannot read the key-encryption key at \(path): \(error.message). Make one with `alumnicard kek generate --out \(path)`, or pass it as the systemd credential \(credentialName)")
        }
        if SecureFile.isExposed(path) {
            throw IssuerStoreError(.kekUnavailable, "the key-encryption key \(path) is readable by other users; run `chmod 600 \(path)`")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Data(base64Encoded: text) else {
            throw IssuerStoreError(.kekUnavailable, "the key-encryption key \(path) is not one line of base64")
        }
        return try KeyEncryptionKey(bytes: Array(bytes))
    }

    /// The KEK from `explicitPath`, else the systemd credential, else `fallbackPath`.
    public static func locate(explicitPath: String?, fallbackPath: String, environment: [String: String]) throws(IssuerStoreError) -> KeyEncryptionKey {
        if let explicitPath { return try load(path: explicitPath) }
        if let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty {
            return try load(path: directory + "/" + credentialName)
        }
        return try load(path: fallbackPath)
    }

    /// A key for one purpose, derived from the KEK with HKDF-SHA256
    /// (RFC 5869), so the KEK itself never leaves this type.
    public func derivedKey(purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("alumnicard \(purpose)".utf8), outputByteCount: 32)
    }

    /// Seals `plaintext`, bound to `context` (the key's kid and alg), so a
    /// sealed key copied onto another row does not open.
    package func seal(_ plaintext: [UInt8], context: [UInt8]) -> [UInt8] {
        Array(try! AES.GCM.seal(plaintext, using: key, authenticating: context).combined!)
    }

    package func open(_ sealed: [UInt8], context: [UInt8]) -> [UInt8]? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed),
              let plaintext = try? AES.GCM.open(box, using: key, authenticating: context) else { return nil }
        return Array(plaintext)
    }
}
