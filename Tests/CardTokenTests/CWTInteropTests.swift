import CardToken
import Foundation
import TestSupport
import Testing

/// Tokens this project issues, verified by an implementation it shares no
/// code with: the PyPI `cwt` package (over `base45`), run by scripts/test's venv.
@Suite(.onItsOwnThread) struct CWTInteropTests {
    struct Request: Encodable {
        struct Entry: Encodable {
            let text: String
            let alg: Int64
            let kidHex: String
            let publicKeyHex: String?
            let secretHex: String?
        }
        let tokens: [Entry]
    }

    struct Answer: Decodable {
        struct Claims: Decodable, Equatable {
            let sub: String
            let exp: UInt64
            let iat: UInt64
            let ctiHex: String
            let cardName: String
            let cardValidThrough: UInt64
        }
        let ok: Bool
        let error: String?
        let claims: Claims?
    }

    @Test func cwtVerifiesTokensWeIssueAndRefusesTamperedOnes() throws {
        var random = SeededRandom(seed: 8392)
        let now = Int64(Date().timeIntervalSince1970)
        var entries: [Request.Entry] = []
        var expected: [(claims: CardClaims?, tampered: Bool)] = []
        for algorithm in CoseAlgorithm.allCases {
            let key = SigningKey.generate(algorithm)
            let secret = algorithm.isSymmetric ? JSONWebKey(privateKey: key).k.flatMap(Base64URL.decode) : nil
            func entry(_ text: String) -> Request.Entry {
                Request.Entry(text: text, alg: algorithm.rawValue, kidHex: key.id.hex,
                              publicKeyHex: key.ed25519PublicKey.map(Hex.encode), secretHex: secret.map(Hex.encode))
            }
            for _ in 0..<25 {
                let issued = try TokenIssuer().issue(card: try TokenPropertyTests.randomCard(using: &random), key: key, now: now, using: &random)
                entries.append(entry(issued.text))
                expected.append((issued.claims, false))
            }
            // A copy with one signature byte changed: cwt must refuse it too.
            let issued = try TokenIssuer().issue(card: try TokenPropertyTests.randomCard(using: &random), key: key, now: now, using: &random)
            var cose = try Base45.decode(issued.text.dropFirst(4))
            cose[cose.count - 1] ^= 0x01
            entries.append(entry(TokenFormat.prefix + Base45.encode(cose)))
            expected.append((nil, true))
        }

        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let output = try ExternalTool.python("cwt_verify.py", input: encoder.encode(Request(tokens: entries)))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let answers = try decoder.decode([Answer].self, from: output)
        try #require(answers.count == expected.count)

        for (answer, expectation) in zip(answers, expected) {
            if expectation.tampered {
                #expect(!answer.ok, "cwt accepted a token with a changed signature")
                continue
            }
            let claims = try #require(expectation.claims)
            #expect(answer.ok, "cwt refused our token: \(answer.error ?? "")")
            #expect(answer.claims == Answer.Claims(
                sub: claims.cardNumber.rawValue, exp: claims.expiresAt, iat: claims.issuedAt,
                ctiHex: claims.tokenID.hex, cardName: claims.holderName.rawValue, cardValidThrough: claims.validThrough
            ))
        }
    }
}
