import CardToken
import Foundation
import SecureFiles

/// Reading and writing the JWK key files of ac1-token.md §5.
public enum KeyFiles {
    /// Reads a JWK Set (or one JWK) of trusted keys.
    public static func trustedKeys(at path: String) throws(CommandFailure) -> TrustedKeySet {
        let data = try readKeyFile(path)
        do {
            return try TrustedKeySet(jwkSet: JSONWebKeySet(json: data))
        } catch {
            throw .usage("\(path): \(error.message)")
        }
    }

    /// Reads a private key file, warning when others may read it.
    public static func signingKey(at path: String) throws(CommandFailure) -> SigningKey {
        let data = try readKeyFile(path)
        let set: JSONWebKeySet
        do {
            set = try JSONWebKeySet(json: data)
        } catch {
            throw .usage("\(path): \(error.message)")
        }
        guard set.keys.count == 1, let jwk = set.keys.first else {
            throw .usage("\(path) holds \(set.keys.count) keys; a signing key file holds exactly one")
        }
        guard jwk.d != nil || jwk.k != nil else {
            throw .usage("\(path) holds a public key; signing needs the private key file that `alumnicard keys generate` wrote")
        }
        if SecureFile.isExposed(path) {
            printError("warning: \(path) can be read by other users; run `chmod 600 \(path)`")
        }
        do {
            return try SigningKey(jwk: jwk)
        } catch {
            throw .usage("\(path): \(error.message)")
        }
    }

    /// Writes a private key file with mode 0600, refusing to replace an
    /// existing file unless `replacing` says so.
    public static func write(_ key: SigningKey, to path: String, replacing: Bool) throws(CommandFailure) {
        guard let data = prettyJSON(JSONWebKey(privateKey: key)) else {
            throw .failed("cannot encode the key")
        }
        do {
            try SecureFile.write(data, to: path, mode: 0o600, replacing: replacing)
        } catch where error.code == .alreadyExists {
            throw .failed("\(path) already exists and was left untouched; choose another --out, or pass --force to replace it")
        } catch {
            throw .failed(error.message)
        }
    }

    private static func readKeyFile(_ path: String) throws(CommandFailure) -> Data {
        do {
            return try SecureFile.read(path, limit: JSONWebKeySet.maximumByteCount)
        } catch {
            throw .usage(error.message)
        }
    }
}
