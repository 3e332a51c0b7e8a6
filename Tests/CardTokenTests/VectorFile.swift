import CardToken
import Foundation
import TestSupport

/// `../shared/vectors/ac1/tokens.json` and `keys.json`, as the vectors'
/// README describes them.
struct TokenVectorFile: Decodable {
    let issuerTz: String
    let defaultLeewayS: Int64
    let count: Int
    let vectors: [TokenVector]

    static func load() throws -> TokenVectorFile {
        try decode(TokenVectorFile.self, from: ProjectPaths.ac1Vector("tokens.json"))
    }
}

struct TokenVector: Decodable, CustomStringConvertible {
    struct Key: Decodable {
        let name: String
        let inKeyset: Bool
        let seedHex: String?
        let publicKeyHex: String?
        let secretHex: String?
    }
    struct Claims: Decodable {
        let sub: String
        let exp: UInt64
        let iat: UInt64
        let ctiHex: String?
        let cardName: String
        /// A number, except in the vector that sends it as text.
        let cardValidThrough: NumberOrText
    }
    let name: String
    let description: String
    let alg: Int64
    let key: Key
    let kidHex: String
    let now: Int64
    let leewayS: Int64
    let claims: Claims
    let issuerOutput: Bool?
    let token: String
    let coseHex: String?
    let expect: String
}

struct KeyVectorFile: Decodable {
    struct Key: Decodable {
        let name: String
        let kidHex: String
        let kty: String
        let alg: Int64
        let status: String
        let nbf: Int64
        let exp: Int64
        let publicKeyHex: String?
        let secretHex: String?
    }
    let issuerTz: String
    let defaultLeewayS: Int64
    let keys: [Key]
    let revokedCards: [String]

    static func load() throws -> KeyVectorFile {
        try decode(KeyVectorFile.self, from: ProjectPaths.ac1Vector("keys.json"))
    }

    /// The trusted keys, built from the raw material in the file.
    func trustedKeySet() throws -> TrustedKeySet {
        try TrustedKeySet(keys: keys.map { key in
            let window = SigningWindow(notBefore: key.nbf, expires: key.exp)
            let status = try #require(KeyStatus(rawValue: key.status))
            if let publicHex = key.publicKeyHex {
                let trusted = try TrustedKey(ed25519PublicKey: try Hex.bytes(publicHex), signingWindow: window, status: status)
                try #require(trusted.id.hex == key.kidHex, "kid of \(key.name) is derived from its public key")
                return trusted
            }
            let secret = try Hex.bytes(key.secretHex)
            let algorithm = try #require(CoseAlgorithm(rawValue: key.alg))
            return try TrustedKey(id: try KeyID(bytes: try Hex.bytes(key.kidHex)), algorithm: algorithm,
                              hmacSecret: secret, signingWindow: window, status: status)
        }, revokedCards: revokedCards)
    }
}

/// A JSON value that is a number in most vectors and text in the one that
/// tests the wrong type.
enum NumberOrText: Decodable {
    case number(UInt64)
    case text(String)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(UInt64.self) {
            self = .number(number)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    var number: UInt64? {
        if case .number(let value) = self { return value }
        return nil
    }
}

func decode<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(type, from: Data(contentsOf: url))
}

import Testing

extension TokenVector {
    /// The key that made this vector, as the issuer would hold it.
    func signingKey() throws -> SigningKey {
        if let seed = key.seedHex {
            return try SigningKey(ed25519Seed: try Hex.bytes(seed))
        }
        let algorithm = try #require(CoseAlgorithm(rawValue: alg))
        return try SigningKey(hmacSecret: try Hex.bytes(key.secretHex),
                              algorithm: algorithm, id: KeyID(bytes: try Hex.bytes(kidHex)))
    }
}
