import Crypto
import Foundation

/// A JSON Web Key (RFC 7517) as AC1 uses it (ac1-token.md §5): Ed25519 keys
/// as OKP (RFC 8037), HMAC secrets as `oct`, optionally with the signing
/// window (`nbf`, `exp`) and `status` of a key set entry.
public struct JSONWebKey: Codable, Hashable, Sendable {
    public var kty: String
    public var crv: String?
    public var alg: String?
    public var use: String?
    public var kid: String?
    public var x: String?
    public var d: String?
    public var k: String?
    public var nbf: Int64?
    public var exp: Int64?
    public var status: String?

    // Declared in the order §5 writes them; the encoder keeps it.
    enum CodingKeys: String, CodingKey {
        case kty, crv, alg, use, kid, x, d, k, nbf, exp, status
    }

    public init(kty: String, crv: String? = nil, alg: String? = nil, use: String? = nil, kid: String? = nil,
                x: String? = nil, d: String? = nil, k: String? = nil,
                nbf: Int64? = nil, exp: Int64? = nil, status: String? = nil) {
        self.kty = kty; self.crv = crv; self.alg = alg; self.use = use; self.kid = kid
        self.x = x; self.d = d; self.k = k; self.nbf = nbf; self.exp = exp; self.status = status
    }

    /// The private JWK of a signing key: what `alumnicard keys generate` writes.
    public init(privateKey key: SigningKey) {
        switch key.material {
        case .ed25519(let privateKey):
            self.init(kty: "OKP", crv: "Ed25519", alg: key.algorithm.jwkName, kid: key.id.base64URL,
                      x: Base64URL.encode(privateKey.publicKey.rawRepresentation),
                      d: Base64URL.encode(privateKey.rawRepresentation))
        case .hmac:
            self.init(kty: "oct", alg: key.algorithm.jwkName, kid: key.id.base64URL, k: Base64URL.encode(key.privateBytes))
        }
    }

    /// The JWK a verifier loads for a trusted key. HMAC secrets appear only
    /// when `includingSecret` says so: they must never be published.
    public init?(trustedKey key: TrustedKey, includingSecret: Bool = false, includingWindow: Bool = true) {
        let window = includingWindow ? key.signingWindow : .unbounded
        let status = includingWindow ? key.status.rawValue : nil
        switch key.material {
        case .ed25519(let publicKey):
            self.init(kty: "OKP", crv: "Ed25519", alg: key.algorithm.jwkName, kid: key.id.base64URL,
                      x: Base64URL.encode(publicKey.rawRepresentation),
                      nbf: window.notBefore, exp: window.expires, status: status)
        case .hmac(let prepared):
            guard includingSecret else { return nil }
            let secret = prepared.secret
            self.init(kty: "oct", alg: key.algorithm.jwkName, kid: key.id.base64URL,
                      k: Base64URL.encode(secret.withUnsafeBytes { Array($0) }),
                      nbf: window.notBefore, exp: window.expires, status: status)
        }
    }

    /// The algorithm `alg` names, which every AC1 key must state.
    func algorithm() throws(CardTokenError) -> CoseAlgorithm {
        guard let alg else { throw problem("has no \"alg\"; AC1 keys state EdDSA, HS256 or HS256/64") }
        guard let algorithm = CoseAlgorithm(jwkName: alg) else {
            throw problem("has \"alg\": \"\(alg)\"; AC1 supports EdDSA, HS256 and HS256/64")
        }
        switch (kty, algorithm.isSymmetric) {
        case ("OKP", false), ("oct", true): return algorithm
        default: throw problem("pairs \"kty\": \"\(kty)\" with \"alg\": \"\(alg)\"; Ed25519 keys are OKP/EdDSA and HMAC keys oct/HS256")
        }
    }

    func bytes(_ member: String?, _ name: String) throws(CardTokenError) -> [UInt8] {
        guard let member else { throw problem("lacks \"\(name)\"") }
        guard let bytes = Base64URL.decode(member) else { throw problem("has a \"\(name)\" that is not base64url without padding") }
        return bytes
    }

    func keyID() throws(CardTokenError) -> KeyID {
        guard let kid else { throw problem("lacks \"kid\"") }
        do { return try KeyID(base64URL: kid) } catch { throw problem("has a bad \"kid\": \(error.message)") }
    }

    var signingWindow: SigningWindow { SigningWindow(notBefore: nbf, expires: exp) }

    func keyStatus() throws(CardTokenError) -> KeyStatus {
        guard let status else { return .active } // §5: absent means active
        guard let parsed = KeyStatus(rawValue: status) else {
            throw problem("has \"status\": \"\(status)\"; it must be published, active, retiring or revoked")
        }
        return parsed
    }

    func problem(_ text: String) -> CardTokenError {
        CardTokenError(.invalidKey, "the JWK\(kid.map { " \"\($0)\"" } ?? "") \(text)")
    }
}

extension SigningKey {
    /// The signing key a private JWK holds.
    public init(jwk: JSONWebKey) throws(CardTokenError) {
        let algorithm = try jwk.algorithm()
        switch algorithm {
        case .edDSA:
            guard jwk.crv == "Ed25519" else { throw jwk.problem("is OKP but not Ed25519") }
            let seed = try jwk.bytes(jwk.d, "d")
            guard seed.count == 32 else { throw jwk.problem("has a \"d\" of \(seed.count) bytes, not 32") }
            try self.init(ed25519Seed: seed)
            if let x = jwk.x, try jwk.bytes(x, "x") != ed25519PublicKey {
                throw jwk.problem("has an \"x\" that is not the public key of its \"d\"")
            }
            if jwk.kid != nil, try jwk.keyID() != id {
                throw jwk.problem("has a \"kid\" that is not the first 8 bytes of SHA-256 over its public key (ac1-token.md §2)")
            }
        case .hmac256, .hmac256Truncated64:
            try self.init(hmacSecret: try jwk.bytes(jwk.k, "k"), algorithm: algorithm, id: try jwk.keyID())
        }
    }
}

extension TrustedKey {
    /// The trusted key a JWK describes. A private Ed25519 JWK is accepted
    /// too, and only its public part is used.
    public init(jwk: JSONWebKey) throws(CardTokenError) {
        let algorithm = try jwk.algorithm()
        let window = jwk.signingWindow
        let status = try jwk.keyStatus()
        switch algorithm {
        case .edDSA:
            guard jwk.crv == "Ed25519" else { throw jwk.problem("is OKP but not Ed25519") }
            let x = try jwk.bytes(jwk.x, "x")
            guard x.count == 32 else { throw jwk.problem("has an \"x\" of \(x.count) bytes, not 32") }
            try self.init(ed25519PublicKey: x, signingWindow: window, status: status)
            if jwk.kid != nil, try jwk.keyID() != id {
                throw jwk.problem("has a \"kid\" that is not the first 8 bytes of SHA-256 over its public key (ac1-token.md §2)")
            }
        case .hmac256, .hmac256Truncated64:
            do {
                try self.init(id: try jwk.keyID(), algorithm: algorithm, hmacSecret: try jwk.bytes(jwk.k, "k"),
                              signingWindow: window, status: status)
            } catch {
                throw jwk.problem(error.message)
            }
        }
    }
}

/// A JWK Set (RFC 7517 §5) with AC1's optional `revoked_cards` (ac1-token.md §5).
public struct JSONWebKeySet: Codable, Hashable, Sendable {
    public var keys: [JSONWebKey]
    public var revokedCards: [String]?
    /// The longest token lifetime, in seconds (ac1-token.md §4, `M`).
    public var maxTokenLifetime: Int64?

    enum CodingKeys: String, CodingKey {
        case keys
        case revokedCards = "revoked_cards"
        case maxTokenLifetime = "max_token_lifetime"
    }

    public init(keys: [JSONWebKey], revokedCards: [String]? = nil, maxTokenLifetime: Int64? = nil) {
        self.keys = keys
        self.revokedCards = revokedCards
        self.maxTokenLifetime = maxTokenLifetime
    }

    /// The largest key file or set this reads: far more than any real set.
    public static let maximumByteCount = 1 << 20

    /// Parses a JWK Set, or a single JWK as a set of one.
    public init(json data: Data) throws(CardTokenError) {
        guard data.count <= Self.maximumByteCount else {
            throw CardTokenError(.invalidKey, "the key file has \(data.count) bytes; key files are at most \(Self.maximumByteCount)")
        }
        let object = try? JSONSerialization.jsonObject(with: data)
        let isSet = (object as? [String: Any])?["keys"] != nil
        do {
            if isSet {
                self = try JSONDecoder().decode(JSONWebKeySet.self, from: data)
            } else {
                self.init(keys: [try JSONDecoder().decode(JSONWebKey.self, from: data)])
            }
        } catch {
            throw CardTokenError(.invalidKey, "the key file is not a valid \(isSet ? "JWK Set" : "JWK or JWK Set"): \(Self.describe(error))")
        }
    }

    /// The set as pretty, stable JSON.
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }

    public static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "the member \"\(key.stringValue)\" is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        case DecodingError.dataCorrupted(let context): context.debugDescription
        default: "\(error)"
        }
    }
}

extension TrustedKeySet {
    /// The trusted keys and revoked cards of a JWK Set.
    public init(jwkSet: JSONWebKeySet) throws(CardTokenError) {
        var keys: [TrustedKey] = []
        keys.reserveCapacity(jwkSet.keys.count)
        for jwk in jwkSet.keys { keys.append(try TrustedKey(jwk: jwk)) }
        try self.init(keys: keys, revokedCards: jwkSet.revokedCards ?? [], maxTokenLifetime: jwkSet.maxTokenLifetime)
    }

    /// The JWK Set of these keys. HMAC secrets are left out unless asked for.
    public func jwkSet(includingSecrets: Bool = false) -> JSONWebKeySet {
        JSONWebKeySet(
            keys: sortedKeys.compactMap { JSONWebKey(trustedKey: $0, includingSecret: includingSecrets) },
            revokedCards: revokedCards.isEmpty ? nil : revokedCards.sorted(),
            maxTokenLifetime: maxTokenLifetime
        )
    }
}
