import AccountRules
import Crypto
import IssuerStore

/// The proof-of-work check of alumni-api.md §2: challenges signed with a
/// key derived from the KEK (so every instance with the same credentials
/// agrees), and each solution accepted once, remembered in the database
/// until it expires.
public struct HumanCheckService: Sendable {
    let key: SymmetricKey
    let spent: any LoginGuardRepository
    let maxNumber: Int
    let lifetime: Int64

    public init(kek: KeyEncryptionKey, spent: any LoginGuardRepository, maxNumber: Int, lifetime: Int64) {
        key = kek.derivedKey(purpose: "human check v1")
        self.spent = spent
        self.maxNumber = maxNumber
        self.lifetime = lifetime
    }

    public func challenge(now: Int64) -> HumanCheck.Challenge {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return HumanCheck.makeChallenge(key: key, maxNumber: maxNumber, number: Int.random(in: 0...maxNumber, using: &generator),
                                        saltBytes: salt, now: now, lifetime: lifetime)
    }

    /// Accepts `altcha` once, or throws the contract's 400.
    public func check(_ altcha: String?, now: Int64) async throws {
        guard let altcha, !altcha.isEmpty else {
            throw IssuerError(.malformed, code: "human_check_required", "this request needs a solved human check in altcha; fetch one from GET /v1/challenge",
                           field: "altcha")
        }
        let accepted: HumanCheck.Accepted
        do {
            accepted = try HumanCheck.verify(try HumanCheck.decode(altcha), key: key, maxNumber: maxNumber, now: now, lifetime: lifetime)
        } catch {
            throw IssuerError(.malformed, code: "human_check_failed", error.message, field: "altcha")
        }
        guard try await spent.spend(challenge: accepted.signature, expiresAt: accepted.expiresAt, now: now) else {
            throw IssuerError(.malformed, code: "human_check_failed", "this human check was already used; solve a new one", field: "altcha")
        }
    }
}
