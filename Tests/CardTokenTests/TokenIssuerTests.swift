import CardToken
import Foundation
import TestSupport
import Testing

@Suite struct TokenIssuerTests {
    static let card = CardDetails(number: try! CardNumber("A000001234"), holderName: try! HolderName("林○明"), validThrough: try! CardDate(iso8601: "2027-12-31"))

    @Test func claimValuesOutsideTheSpecAreRefusedWithTheirLimit() throws {
        #expect(throws: CardTokenError(.invalidClaimValue, "")) { try CardNumber("") }
        #expect(throws: CardTokenError(.invalidClaimValue, "")) { try CardNumber(String(repeating: "9", count: 33)) }
        #expect(throws: CardTokenError(.invalidClaimValue, "")) { try HolderName(String(repeating: "林", count: 22)) } // 66 bytes
        #expect(throws: Never.self) { try HolderName(String(repeating: "林", count: 21) + "A") } // 64 bytes
        #expect(throws: CardTokenError(.invalidClaimValue, "")) { try CardDate(iso8601: "2027-02-29") }
        #expect(throws: CardTokenError(.invalidClaimValue, "")) { try CardDate(iso8601: "2027-1-31") }
        #expect(throws: CardTokenError(.invalidClaimValue, "")) { try CardDate(iso8601: "+027-01-31") }
        #expect(try CardDate(iso8601: "2028-02-29").yyyymmdd == 20280229)
    }

    @Test func issueTimeAndLifetimeMustBeUsable() {
        let key = SigningKey.generate(.edDSA)
        #expect(throws: CardTokenError(.invalidClaimValue, "")) {
            try TokenIssuer().issue(card: Self.card, key: key, now: -1, tokenID: TokenID(rawValue: 1))
        }
        #expect(throws: CardTokenError(.invalidClaimValue, "")) {
            try TokenIssuer().issue(card: Self.card, key: key, now: 0, lifetime: 0, tokenID: TokenID(rawValue: 1))
        }
    }

    @Test func theDefaultLifetimeIsTheRefreshIntervalPlusGrace() throws {
        let issued = try TokenIssuer().issue(card: Self.card, key: .generate(.edDSA), now: 1_000, tokenID: TokenID(rawValue: 1))
        #expect(issued.claims.expiresAt - issued.claims.issuedAt == 360)
    }

    @Test func unknownCardEntriesAreSignedAndSurviveVerification() throws {
        let key = SigningKey.generate(.edDSA)
        var claims = CardClaims(cardNumber: Self.card.number, holderName: Self.card.holderName, validThrough: Self.card.validThrough,
                                issuedAt: 1_764_061_200, expiresAt: 1_764_061_560, tokenID: TokenID(rawValue: 42))
        claims.extraCardEntries = [.init(key: .integer(-1), value: .bytes([0])), .init(key: .unsigned(24), value: .text("x"))]
        let issued = try TokenIssuer().issue(claims: claims, key: key)
        let verdict = TokenVerifier(keys: try TrustedKeySet(keys: [key.verificationKey()])).verify(issued.text, now: 1_764_061_200)
        #expect(verdict.reason == .ok)
        #expect(Set(verdict.claims?.extraCardEntries ?? []) == Set(claims.extraCardEntries))
    }

    @Test func sizesMatchSectionSixOfTheSpec() throws {
        var random = SeededRandom(seed: 6)
        let ed = try TokenIssuer().issue(card: Self.card, key: .generate(.edDSA), now: 1_764_061_200, using: &random)
        #expect(ed.text.utf8.count == 219)
        let largest = CardDetails(number: try CardNumber(String(repeating: "9", count: 32)),
                                  holderName: try HolderName(String(repeating: "A", count: 64)),
                                  validThrough: Self.card.validThrough)
        let big = try TokenIssuer().issue(card: largest, key: .generate(.edDSA), now: 1_764_061_200, using: &random)
        #expect(try Base45.decode(big.text.dropFirst(4)).count == 222)
        #expect(big.text.utf8.count == 337)
    }

    @Test func hmacKeysNeedAnHMACAlgorithmAndThirtyTwoBytes() throws {
        let id = try KeyID(bytes: [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(throws: CardTokenError(.invalidKey, "")) { try SigningKey(hmacSecret: [UInt8](repeating: 1, count: 31), algorithm: .hmac256, id: id) }
        #expect(throws: CardTokenError(.invalidKey, "")) { try SigningKey(hmacSecret: [UInt8](repeating: 1, count: 32), algorithm: .edDSA, id: id) }
    }
}

@Suite struct CardDateTests {
    @Test func todayIsTakenInTheIssuersTimeZone() throws {
        let taipei = try #require(TimeZone(identifier: "Asia/Taipei"))
        // 2025-11-25T16:00:00Z is midnight of the 26th in Taipei.
        #expect(CardDate.yyyymmdd(atEpochSeconds: 1_764_086_400, in: taipei) == 20251126)
        #expect(CardDate.yyyymmdd(atEpochSeconds: 1_764_086_399, in: taipei) == 20251125)
        #expect(CardDate.yyyymmdd(atEpochSeconds: 1_764_086_400, in: try #require(TimeZone(identifier: "UTC"))) == 20251125)
    }

    @Test func civilDatesAgreeWithFoundationsCalendarAcrossCenturies() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var random = SeededRandom(seed: 1970)
        for _ in 0..<2_000 {
            let seconds = Int64.random(in: -2_208_988_800...253_402_300_799, using: &random)
            let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            let expected = UInt64(parts.year! * 10_000 + parts.month! * 100 + parts.day!)
            #expect(CardDate.yyyymmdd(atEpochSeconds: seconds, in: calendar.timeZone) == expected, "at \(seconds)")
        }
    }
}

@Suite struct JSONWebKeyTests {
    @Test(arguments: CoseAlgorithm.allCases)
    func privateKeyFilesRoundTrip(_ algorithm: CoseAlgorithm) throws {
        let key = SigningKey.generate(algorithm)
        let jwk = JSONWebKey(privateKey: key)
        let data = try JSONEncoder().encode(jwk)
        let again = try SigningKey(jwk: try JSONDecoder().decode(JSONWebKey.self, from: data))
        #expect(again.id == key.id)
        #expect(again.algorithm == algorithm)
        let token = try TokenIssuer().issue(card: TokenIssuerTests.card, key: again, now: 1_764_061_200, tokenID: TokenID(rawValue: 9))
        let verdict = TokenVerifier(keys: try TrustedKeySet(keys: [key.verificationKey()])).verify(token.text, now: 1_764_061_200)
        #expect(verdict.reason == .ok)
    }

    @Test func publishedSetsNeverCarryHMACSecretsUnlessAskedTo() throws {
        let keys = try TrustedKeySet(keys: CoseAlgorithm.allCases.map { SigningKey.generate($0).verificationKey() })
        let published = keys.jwkSet()
        #expect(published.keys.count == 1)
        #expect(published.keys.allSatisfy { $0.k == nil && $0.d == nil })
        #expect(keys.jwkSet(includingSecrets: true).keys.count == 3)
    }

    @Test func anEd25519KidThatIsNotDerivedFromTheKeyIsRefused() throws {
        var jwk = JSONWebKey(privateKey: .generate(.edDSA))
        jwk.kid = "AAAAAAAAAAA"
        #expect(throws: CardTokenError(.invalidKey, "")) { try SigningKey(jwk: jwk) }
        #expect(throws: CardTokenError(.invalidKey, "")) { try TrustedKey(jwk: jwk) }
    }

    @Test(arguments: [
        #"{"kty":"OKP","crv":"Ed25519","kid":"ya-N3x4mhWs","x":"JkF3PoVAb6ABGaDraUR4lElSaR9f-Rvex-LdsgfVrgc"}"#,
        #"{"kty":"OKP","crv":"Ed25519","alg":"ES256","x":"JkF3PoVAb6ABGaDraUR4lElSaR9f-Rvex-LdsgfVrgc"}"#,
        #"{"kty":"oct","alg":"EdDSA","kid":"ya-N3x4mhWs","k":"JkF3PoVAb6ABGaDraUR4lElSaR9f-Rvex-LdsgfVrgc"}"#,
        #"{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","x":"JkF3PoVAb6ABGaDraUR4lElSaR9f"}"#,
        #"{"kty":"oct","alg":"HS256","k":"JkF3PoVAb6ABGaDraUR4lElSaR9f-Rvex-LdsgfVrgc"}"#,
        #"{"kty":"oct","alg":"HS256","kid":"AAAAAAAAAAA","k":"c2hvcnQ"}"#,
        #"{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","x":"JkF3PoVAb6ABGaDraUR4lElSaR9f-Rvex-LdsgfVrgc","status":"lost"}"#,
        #"{"keys":[{"kty":"OKP"}]}"#,
        #"[1,2,3]"#,
        #"not json"#,
    ])
    func keyFilesThatAreNotSectionFiveAreRefused(_ json: String) throws {
        #expect(throws: CardTokenError(.invalidKey, "")) {
            try TrustedKeySet(jwkSet: JSONWebKeySet(json: Data(json.utf8)))
        }
    }

    @Test func twoKeysWithOneKidAreRefused() throws {
        let key = SigningKey.generate(.edDSA).verificationKey()
        #expect(throws: CardTokenError(.invalidKey, "")) { try TrustedKeySet(keys: [key, key]) }
    }
}
