import Foundation
import AccountRules
import Crypto
import TestSupport
import Testing

@Suite(.onItsOwnThread) struct HumanCheckTests {
    let key = SymmetricKey(size: .bits256)
    let now: Int64 = 1_790_000_000

    func challenge(number: Int = 1_234, maxNumber: Int = 5_000, lifetime: Int64 = 600) -> HumanCheck.Challenge {
        HumanCheck.makeChallenge(key: key, maxNumber: maxNumber, number: number, saltBytes: Array(repeating: 7, count: 12), now: now, lifetime: lifetime)
    }

    @Test func aSolvedChallengeVerifies() throws {
        let made = challenge()
        #expect(made.salt.hasSuffix("?expires=\(now + 600)"))
        let solution = try #require(HumanCheck.solve(made))
        #expect(solution.number == 1_234)
        let decoded = try HumanCheck.decode(HumanCheck.encode(solution))
        let accepted = try HumanCheck.verify(decoded, key: key, maxNumber: 5_000, now: now + 10, lifetime: 600)
        #expect(accepted.expiresAt == now + 600)
    }

    @Test func wrongExpiredAndForeignSolutionsFail() throws {
        let solution = try #require(HumanCheck.solve(challenge()))
        let wrongNumber = HumanCheck.Solution(challenge: solution.challenge, number: solution.number + 1, salt: solution.salt, signature: solution.signature)
        let failed = AccountRulesError(.humanCheckInvalid, "")
        #expect(throws: failed) { try HumanCheck.verify(wrongNumber, key: key, maxNumber: 5_000, now: now, lifetime: 600) }
        #expect(throws: failed) { try HumanCheck.verify(solution, key: key, maxNumber: 5_000, now: now + 600, lifetime: 600) }
        #expect(throws: failed) { try HumanCheck.verify(solution, key: SymmetricKey(size: .bits256), maxNumber: 5_000, now: now, lifetime: 600) }
        // A later expiry written into the salt breaks the hash and the signature.
        let extended = HumanCheck.Solution(challenge: solution.challenge, number: solution.number,
                                           salt: solution.salt.replacingOccurrences(of: "\(now + 600)", with: "\(now + 9_999)"), signature: solution.signature)
        #expect(throws: failed) { try HumanCheck.verify(extended, key: key, maxNumber: 5_000, now: now + 700, lifetime: 600) }
        #expect(throws: failed) { try HumanCheck.decode("not base64 at all") }
        #expect(throws: failed) { try HumanCheck.decode(String(repeating: "A", count: 4_000)) }
    }

    @Test func aSplicedSolutionIsRefused() throws {
        // Moving the number's first digit onto the end of the salt keeps the hash and the signature valid.
        let made = challenge(number: 4_321)
        let solution = try #require(HumanCheck.solve(made))
        let digits = String(solution.number)
        let spliced = HumanCheck.Solution(challenge: solution.challenge, number: Int(digits.dropFirst())!, salt: solution.salt + String(digits.first!),
                                          signature: solution.signature)
        let failed = AccountRulesError(.humanCheckInvalid, "")
        #expect(throws: failed) { try HumanCheck.verify(spliced, key: key, maxNumber: 5_000, now: now + 700, lifetime: 600) }
        #expect(throws: failed) { try HumanCheck.verify(spliced, key: key, maxNumber: 5_000, now: now + 10, lifetime: 600) }
        // A challenge made with a longer lifetime than the verifier allows is refused too.
        let long = try #require(HumanCheck.solve(challenge(lifetime: 7_200)))
        #expect(throws: failed) { try HumanCheck.verify(long, key: key, maxNumber: 5_000, now: now, lifetime: 600) }
        for salt in ["short?expires=1790000600", String(repeating: "a", count: 24) + "?expires=179000060", String(repeating: "A", count: 24) + "?expires=1790000600"] {
            #expect(HumanCheck.expiry(ofSalt: salt) == nil, "\(salt)")
        }
        #expect(HumanCheck.expiry(ofSalt: String(repeating: "0", count: 24) + "?expires=1790000600") == 1_790_000_600)
    }
}
