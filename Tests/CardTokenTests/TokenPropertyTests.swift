import CardToken
import TestSupport
import Testing

/// Random claims, issued and verified; and every corruption of a valid
/// token refused, never read as ok, never a crash.
@Suite(.onItsOwnThread) struct TokenPropertyTests {
    static let now: Int64 = 1_764_061_200
    static let keys = CoseAlgorithm.allCases.map { SigningKey.generate($0) }

    static func verifier() throws -> TokenVerifier {
        TokenVerifier(keys: try TrustedKeySet(keys: keys.map { $0.verificationKey() }))
    }

    /// A random card: numbers and names of every allowed size, ASCII or CJK.
    static func randomCard(using random: inout some RandomNumberGenerator) throws -> CardDetails {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-")
        let number = String((0..<Int.random(in: 1...32, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
        let syllables = ["林", "○", "明", "陳", "美", "華", "Chen", " ", "W.", "é", "-"]
        var name = ""
        while true {
            let next = syllables.randomElement(using: &random)!
            if (name + next).utf8.count > HolderName.maximumByteCount { break }
            name += next
            if Int.random(in: 0..<8, using: &random) == 0 { break }
        }
        let date = try CardDate(year: Int.random(in: 2026...2099, using: &random), month: Int.random(in: 1...12, using: &random), day: Int.random(in: 1...28, using: &random))
        return CardDetails(number: try CardNumber(number), holderName: try HolderName(name), validThrough: date)
    }

    @Test(arguments: CoseAlgorithm.allCases)
    func randomClaimsIssuedThenVerifiedAreOK(_ algorithm: CoseAlgorithm) throws {
        var random = SeededRandom(seed: UInt64(bitPattern: algorithm.rawValue) &+ 1)
        let key = try #require(Self.keys.first { $0.algorithm == algorithm })
        let verifier = try Self.verifier()
        for _ in 0..<300 {
            let card = try Self.randomCard(using: &random)
            let lifetime = Int64.random(in: 1...3600, using: &random)
            let issued = try TokenIssuer().issue(card: card, key: key, now: Self.now, lifetime: lifetime, using: &random)
            let verdict = verifier.verify(issued.text, now: Self.now + Int64.random(in: 0...lifetime, using: &random))
            try #require(verdict.reason == .ok, "\(verdict.detail) for \(issued.text)")
            #expect(verdict.claims == issued.claims)
            #expect(verdict.keyID == key.id)
            #expect(issued.text.utf8.count <= TokenFormat.maximumTextLength)
        }
    }

    @Test(arguments: CoseAlgorithm.allCases)
    func everySingleCharacterChangeOfAValidTokenIsRefused(_ algorithm: CoseAlgorithm) throws {
        let key = try #require(Self.keys.first { $0.algorithm == algorithm })
        var random = SeededRandom(seed: 7)
        let text = try TokenIssuer().issue(card: try Self.randomCard(using: &random), key: key, now: Self.now, using: &random).text
        let verifier = try Self.verifier()
        #expect(verifier.verify(text, now: Self.now).reason == .ok)
        var characters = Array(text.utf8)
        // Every Base45 character and a few outside the alphabet, at every position.
        let replacements = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:a\u{7F}".utf8)
        var refusals = 0
        for index in characters.indices {
            let original = characters[index]
            for replacement in replacements where replacement != original {
                characters[index] = replacement
                let verdict = verifier.verify(String(decoding: characters, as: UTF8.self), now: Self.now)
                #expect(verdict.reason != .ok, "changing character \(index) to \(replacement) still reads ok")
                refusals += 1
            }
            characters[index] = original
        }
        #expect(refusals == characters.count * (replacements.count - 1))
    }

    @Test(arguments: CoseAlgorithm.allCases)
    func everySingleByteChangeOfTheCOSEBytesIsRefused(_ algorithm: CoseAlgorithm) throws {
        let key = try #require(Self.keys.first { $0.algorithm == algorithm })
        var random = SeededRandom(seed: 11)
        let text = try TokenIssuer().issue(card: try Self.randomCard(using: &random), key: key, now: Self.now, using: &random).text
        var cose = try Base45.decode(text.dropFirst(4))
        let verifier = try Self.verifier()
        for index in cose.indices {
            let original = cose[index]
            for delta in 1...255 {
                cose[index] = original ^ UInt8(delta)
                let verdict = verifier.verify(TokenFormat.prefix + Base45.encode(cose), now: Self.now)
                if verdict.reason == .ok {
                    Issue.record("byte \(index) XOR \(delta) still reads ok")
                }
            }
            cose[index] = original
        }
    }

    @Test(arguments: CoseAlgorithm.allCases)
    func everyTruncationIsRefused(_ algorithm: CoseAlgorithm) throws {
        let key = try #require(Self.keys.first { $0.algorithm == algorithm })
        var random = SeededRandom(seed: 13)
        let text = try TokenIssuer().issue(card: try Self.randomCard(using: &random), key: key, now: Self.now, using: &random).text
        let verifier = try Self.verifier()
        let utf8 = Array(text.utf8)
        for length in 0..<utf8.count {
            let verdict = verifier.verify(String(decoding: utf8[..<length], as: UTF8.self), now: Self.now)
            #expect(verdict.reason == .malformed, "truncated to \(length): \(verdict.reason)")
        }
        // And the COSE bytes cut short, re-encoded as valid Base45.
        let cose = try Base45.decode(text.dropFirst(4))
        for length in 0..<cose.count {
            let verdict = verifier.verify(TokenFormat.prefix + Base45.encode(cose[..<length]), now: Self.now)
            #expect(verdict.reason == .malformed, "COSE cut to \(length): \(verdict.reason)")
        }
    }

    @Test func randomTextNeverReadsOK() throws {
        var random = SeededRandom(seed: 99)
        let verifier = try Self.verifier()
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".utf8)
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...400, using: &random)
            let body = (0..<length).map { _ in alphabet.randomElement(using: &random)! }
            let verdict = verifier.verify("AC1:" + String(decoding: body, as: UTF8.self), now: Self.now)
            #expect(verdict.reason == .malformed)
        }
    }
}
