import CardToken
import Foundation
import TestSupport
import Testing

/// Every vector of `../shared/vectors/ac1/tokens.json`, from the independent
/// implementation: verified with exactly its expected reason, and, where
/// marked `issuer_output`, reproduced byte for byte.
@Suite(.onItsOwnThread) struct TokenVectorTests {
    static var file: TokenVectorFile { get throws { try TokenVectorFile.load() } }
    static var keyFile: KeyVectorFile { get throws { try KeyVectorFile.load() } }

    @Test func theVectorFileHoldsWhatItsCountSays() throws {
        let file = try Self.file
        #expect(file.vectors.count == file.count)
        #expect(file.count >= 75)
    }

    @Test(arguments: try file.vectors)
    func everyVectorVerifiesWithExactlyItsExpectedReason(_ vector: TokenVector) throws {
        let verifier = TokenVerifier(
            keys: try Self.keyFile.trustedKeySet(),
            leeway: vector.leewayS,
            issuerTimeZone: try #require(TimeZone(identifier: try Self.keyFile.issuerTz))
        )
        let verdict = verifier.verify(vector.token, now: vector.now)
        #expect(verdict.reason.code == vector.expect, "\(vector.name): \(verdict.detail)")
    }

    @Test(arguments: try file.vectors.filter { $0.issuerOutput == true })
    func issuerReproducesEveryIssuerOutputVectorByteForByte(_ vector: TokenVector) throws {
        let key = try vector.signingKey()
        #expect(key.id.hex == vector.kidHex)
        let card = CardDetails(
            number: try CardNumber(vector.claims.sub),
            holderName: try HolderName(vector.claims.cardName),
            validThrough: try CardDate(yyyymmdd: try #require(vector.claims.cardValidThrough.number))
        )
        var random = ScriptedRandom(bytes: try Hex.bytes(vector.claims.ctiHex))
        let issued = try TokenIssuer().issue(
            card: card, key: key, now: Int64(vector.claims.iat),
            lifetime: Int64(vector.claims.exp - vector.claims.iat), using: &random
        )
        #expect(issued.text == vector.token, "\(vector.name)")
        #expect(issued.claims.tokenID.hex == vector.claims.ctiHex)
    }

    @Test(arguments: try file.vectors.filter { $0.coseHex != nil })
    func base45LayerDecodesToTheVectorsCOSEBytes(_ vector: TokenVector) throws {
        guard vector.token.hasPrefix("AC1:") else { return }
        let cose = try Base45.decode(vector.token.dropFirst(4))
        #expect(Hex.encode(cose) == vector.coseHex)
    }

    @Test func jwkSetFileHoldsTheSameKeysAsTheRawKeyFile() throws {
        let fromJWKS = try TrustedKeySet(jwkSet: JSONWebKeySet(json: Data(contentsOf: ProjectPaths.ac1Vector("keys.jwks.json"))))
        let fromRaw = try Self.keyFile.trustedKeySet()
        #expect(Set(fromJWKS.keys.keys) == Set(fromRaw.keys.keys))
        #expect(fromJWKS.revokedCards == fromRaw.revokedCards)
        for (id, key) in fromRaw.keys {
            let other = try #require(fromJWKS[id])
            #expect(other.algorithm == key.algorithm)
            #expect(other.status == key.status)
            #expect(other.signingWindow == key.signingWindow)
            #expect(other.ed25519PublicKey == key.ed25519PublicKey)
        }
    }

    @Test(arguments: try file.vectors)
    func verifyingWithTheJWKSetGivesTheSameReasons(_ vector: TokenVector) throws {
        let keys = try TrustedKeySet(jwkSet: JSONWebKeySet(json: Data(contentsOf: ProjectPaths.ac1Vector("keys.jwks.json"))))
        let verdict = TokenVerifier(keys: keys, leeway: vector.leewayS).verify(vector.token, now: vector.now)
        #expect(verdict.reason.code == vector.expect, "\(vector.name): \(verdict.detail)")
    }
}
