import CardToken
import Crypto
import Foundation

/// Issue and verify rates of AC1 tokens against the bare swift-crypto
/// primitive on the same bytes, on one core (issue #2).
enum TokenBenchmark {
    static func run() -> String {
        let now: Int64 = 1_764_061_200
        let card = CardDetails(number: try! CardNumber("A000001234"), holderName: try! HolderName("林○明"),
                               validThrough: try! CardDate(iso8601: "2027-12-31"))
        let edKey = SigningKey.generate(.edDSA)
        let hmacKey = SigningKey.generate(.hmac256)
        let issuer = TokenIssuer()
        var generator = SystemRandomNumberGenerator()
        let edToken = try! issuer.issue(card: card, key: edKey, now: now, using: &generator).text
        let hmacToken = try! issuer.issue(card: card, key: hmacKey, now: now, using: &generator).text
        let verifier = TokenVerifier(keys: try! TrustedKeySet(keys: [edKey.verificationKey(), hmacKey.verificationKey()]))

        // The bare primitives over exactly the bytes the verifier checks.
        let edParsed = try! ParsedToken(text: edToken)
        let edMessage = edParsed.toBeSigned()
        let edSignature = Array(edParsed.signature)
        let publicKey = try! Curve25519.Signing.PublicKey(rawRepresentation: edKey.ed25519PublicKey!)
        let hmacParsed = try! ParsedToken(text: hmacToken)
        let hmacMessage = hmacParsed.toBeSigned()
        let hmacTag = Array(hmacParsed.signature)
        let hmacSecret = SymmetricKey(data: Base64URL.decode(JSONWebKey(privateKey: hmacKey).k!)!)
        let prepared = HMAC<SHA256>(key: hmacSecret)

        let ed = Comparison.run(
            "AC1 EdDSA verify (TokenVerifier)", { verifier.verify(edToken, now: now).isOK },
            against: "bare Ed25519 verify (swift-crypto)", { publicKey.isValidSignature(edSignature, for: edMessage) }
        )
        let hmac = Comparison.run(
            "AC1 HMAC 256/256 verify (TokenVerifier)", { verifier.verify(hmacToken, now: now).isOK },
            against: "bare HMAC-SHA256, prepared key (swift-crypto)", {
                var mac = prepared
                mac.update(data: hmacMessage)
                return mac.finalize().withUnsafeBytes { $0.elementsEqual(hmacTag) }
            }
        )
        var tokenIDs = SystemRandomNumberGenerator()
        let edIssue = Measurement.once("AC1 EdDSA issue (TokenIssuer)", seconds: 2) {
            (try? issuer.issue(card: card, key: edKey, now: now, using: &tokenIDs)) != nil
        }
        let hmacIssue = Measurement.once("AC1 HMAC 256/256 issue (TokenIssuer)", seconds: 2) {
            (try? issuer.issue(card: card, key: hmacKey, now: now, using: &tokenIDs)) != nil
        }
        var lines = ["== AC1 tokens (one core): \(edToken.utf8.count)-character EdDSA token, \(hmacToken.utf8.count)-character HMAC 256/256 token"]
        lines += ed.lines(target: "target ≥ 90%")
        lines += hmac.lines(target: "target ≥ 40%")
        lines += [edIssue.line, hmacIssue.line]
        return lines.joined(separator: "\n") + "\n"
    }

    /// An EdDSA token and its public key for the Python cwt comparison.
    static func sample() -> (token: String, publicKeyHex: String, kidHex: String) {
        let key = SigningKey.generate(.edDSA)
        let card = CardDetails(number: try! CardNumber("A000001234"), holderName: try! HolderName("林○明"),
                               validThrough: try! CardDate(iso8601: "2027-12-31"))
        var generator = SystemRandomNumberGenerator()
        let now = Int64(Date().timeIntervalSince1970)
        let token = try! TokenIssuer().issue(card: card, key: key, now: now, lifetime: 3600, using: &generator).text
        return (token, key.ed25519PublicKey!.map { String(format: "%02x", $0) }.joined(), key.id.hex)
    }
}

extension TokenBenchmark {
    /// HMAC verification alone for a few seconds, for `perf record`.
    static func profileHMAC() {
        let now: Int64 = 1_764_061_200
        let card = CardDetails(number: try! CardNumber("A000001234"), holderName: try! HolderName("林○明"),
                               validThrough: try! CardDate(iso8601: "2027-12-31"))
        let key = SigningKey.generate(.hmac256)
        var generator = SystemRandomNumberGenerator()
        let token = try! TokenIssuer().issue(card: card, key: key, now: now, using: &generator).text
        let verifier = TokenVerifier(keys: try! TrustedKeySet(keys: [key.verificationKey()]))
        _ = Measurement.once("AC1 HMAC 256/256 verify", seconds: 4) { verifier.verify(token, now: now).isOK }
    }
}
