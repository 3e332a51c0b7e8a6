@testable import CardKeys
import CardToken
import Foundation
import TestSupport
import Testing

/// `../shared/vectors/ac1/keyset.json`: every key set vector answers
/// exactly its expected reason.
@Suite(.onItsOwnThread) struct KeySetVectorTests {
    struct VectorFile: Decodable {
        struct Root: Decodable { let seedHex: String; let publicKeyHex: String; let kid: String }
        struct Vector: Decodable {
            let name: String
            let jws: String
            let now: Int64
            let heldSeq: UInt64?
            let expect: String
        }
        let root: Root
        let pinnedRootsHex: [String]
        let vectors: [Vector]
    }

    static let file: VectorFile = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try! decoder.decode(VectorFile.self, from: Data(contentsOf: ProjectPaths.ac1Vector("keyset.json")))
    }()

    static var verifier: KeySetVerifier {
        KeySetVerifier(pinnedRoots: file.pinnedRootsHex.map { try! RootPublicKey(rawRepresentation: Hex.bytes($0)) })
    }

    @Test func everyVectorAnswersItsExpectedReason() throws {
        #expect(Self.file.vectors.count == 16)
        for vector in Self.file.vectors {
            let verdict = Self.verifier.verify(vector.jws, heldSeq: vector.heldSeq, now: vector.now)
            #expect(verdict.reason.rawValue == vector.expect, "\(vector.name): \(verdict.detail)")
        }
    }

    @Test func theOKSetCarriesTheTokenVectorsKeys() throws {
        let vector = try #require(Self.file.vectors.first { $0.name == "ok_first_load" })
        let verdict = Self.verifier.verify(vector.jws, heldSeq: nil, now: vector.now)
        let document = try #require(verdict.document)
        #expect(document.seq == 42)
        let trusted = try document.trustedKeys()
        let expected = try TrustedKeySet(jwkSet: JSONWebKeySet(json: Data(contentsOf: ProjectPaths.ac1Vector("keys.jwks.json"))))
        let edKeys = expected.sortedKeys.filter { $0.algorithm == .edDSA }
        #expect(trusted.sortedKeys.map(\.id) == edKeys.map(\.id))
        #expect(trusted.revokedCards == expected.revokedCards)
        #expect(verdict.signer?.id.base64URL == Self.file.root.kid)
    }

    /// Our signer, given the vector's root and payload bytes, writes the
    /// vector's JWS exactly: same header bytes, same (deterministic) signature.
    @Test func signingTheVectorPayloadReproducesTheVector() throws {
        let vector = try #require(Self.file.vectors.first { $0.name == "ok_first_load" })
        let root = try RootSigningKey(seed: Hex.bytes(Self.file.root.seedHex))
        #expect(root.id.base64URL == Self.file.root.kid)
        let payload = try #require(Base64URL.decode(vector.jws.split(separator: ".")[1]))
        #expect(CompactJWS.sign(payload: payload, type: KeySetVerifier.type, by: root) == vector.jws)
    }
}
