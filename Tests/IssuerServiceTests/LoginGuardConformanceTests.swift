import Foundation
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import Testing

/// Issue #26, item 4: lockouts, counters and spent human checks behave
/// alike on every backend, including when writers race.
@Suite("Login guard repository: every backend behaves alike")
struct LoginGuardConformanceTests {
    static let limits = LoginLockouts.Limits(maxFailures: 3, lockout: 60, strictAfter: 6)
    static let kek = KeyEncryptionKey.generate().key

    static func make(_ backend: StorageBackend) async throws -> (any LoginGuardRepository, any OutboxRepository) {
        let store = try await backend.store()
        return (store.loginGuard(limits: limits, kek: kek), store.outbox(kek: kek))
    }

    @Test(arguments: StorageBackend.allCases)
    func failuresLockTheClientOutDoublingAndASuccessForgetsThem(backend: StorageBackend) async throws {
        let (guardRepository, _) = try await Self.make(backend)
        #expect(try await guardRepository.retryAfter(account: "holder:1", client: "a", now: 1_000) == nil)
        #expect(try await guardRepository.recordFailure(accounts: ["holder:1"], client: "a", now: 1_000) == nil)
        #expect(try await guardRepository.recordFailure(accounts: ["holder:1"], client: "a", now: 1_001) == nil)
        #expect(try await guardRepository.recordFailure(accounts: ["holder:1"], client: "a", now: 1_002) == .init(seconds: 60))
        #expect(try await guardRepository.retryAfter(account: "holder:1", client: "a", now: 1_012) == 50)
        #expect(try await guardRepository.retryAfter(account: "holder:1", client: "b", now: 1_012) == nil, "a lockout binds the client that failed")
        #expect(try await guardRepository.retryAfter(account: "holder:2", client: "a", now: 1_012) == nil)
        #expect(try await guardRepository.hasRecentFailures(account: "holder:1", client: "z", now: 1_012))
        #expect(try await guardRepository.hasRecentFailures(account: "holder:9", client: "a", now: 1_012))
        #expect(try await !guardRepository.hasRecentFailures(account: "holder:9", client: "z", now: 1_012))
        // After the lockout ends, the next run of failures locks for twice as long.
        for now: Int64 in [1_070, 1_071] { #expect(try await guardRepository.recordFailure(accounts: ["holder:1"], client: "a", now: now) == nil) }
        #expect(try await guardRepository.recordFailure(accounts: ["holder:1"], client: "a", now: 1_072) == .init(seconds: 120))
        // A success forgets the client's failures; another client's stay.
        _ = try await guardRepository.recordFailure(accounts: ["holder:1"], client: "b", now: 1_200)
        try await guardRepository.recordSuccess(accounts: ["holder:1"], client: "a")
        #expect(try await guardRepository.retryAfter(account: "holder:1", client: "a", now: 1_080) == nil)
        #expect(try await guardRepository.recordFailure(accounts: ["holder:1"], client: "a", now: 1_300) == nil, "the count started again")
    }

    @Test(arguments: StorageBackend.allCases)
    func pastTheAccountsCeilingEachNewClientGetsOneTry(backend: StorageBackend) async throws {
        let (guardRepository, _) = try await Self.make(backend)
        // Six failures from six clients reach strictAfter; the seventh client is locked out at its first failure.
        for client in 0..<6 { #expect(try await guardRepository.recordFailure(accounts: ["holder:1"], client: "c\(client)", now: 2_000) == nil) }
        #expect(try await guardRepository.recordFailure(accounts: ["holder:1"], client: "c6", now: 2_001) == .init(seconds: 60))
    }

    @Test(arguments: StorageBackend.allCases)
    func oneAttemptCountsAgainstEveryAccountItNamesInOneGo(backend: StorageBackend) async throws {
        let (guardRepository, _) = try await Self.make(backend)
        for now: Int64 in [3_000, 3_001] { _ = try await guardRepository.recordFailure(accounts: ["holder:1", "login:x"], client: "a", now: now) }
        #expect(try await guardRepository.recordFailure(accounts: ["holder:1", "login:x"], client: "a", now: 3_002) == .init(seconds: 60))
        #expect(try await guardRepository.retryAfter(account: "holder:1", client: "a", now: 3_002) == 60)
        #expect(try await guardRepository.retryAfter(account: "login:x", client: "a", now: 3_002) == 60)
    }

    @Test(arguments: StorageBackend.allCases)
    func ofRacingFailuresEachIsCountedAndExactlyOneStartsTheLockout(backend: StorageBackend) async throws {
        let (guardRepository, _) = try await Self.make(backend)
        let started = try await withThrowingTaskGroup(of: LoginLockouts.Lockout?.self) { group in
            for _ in 0..<3 { group.addTask { try await guardRepository.recordFailure(accounts: ["holder:1"], client: "a", now: 4_000) } }
            return try await group.reduce(into: [LoginLockouts.Lockout]()) { if let lockout = $1 { $0.append(lockout) } }
        }
        #expect(started == [.init(seconds: 60)], "three racing failures with a limit of three: one lockout, not none, not two")
    }

    @Test(arguments: StorageBackend.allCases)
    func countersCountPerWindowAndRacingAddsEachGetTheirOwnCount(backend: StorageBackend) async throws {
        let (guardRepository, _) = try await Self.make(backend)
        let hourly = RateCounters.Scope("test_hourly", window: 3_600)
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 { group.addTask { try await guardRepository.add(hourly, key: "k", now: 7_200) } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts.sorted() == Array(1...20))
        #expect(try await guardRepository.count(hourly, key: "k", now: 10_799) == 20)
        #expect(try await guardRepository.count(hourly, key: "other", now: 10_799) == 0)
        #expect(try await guardRepository.count(hourly, key: "k", now: 10_800) == 0, "a new window starts at zero")
        #expect(try await guardRepository.add(hourly, key: "k", now: 10_800) == 1)
    }

    @Test(arguments: StorageBackend.allCases)
    func aNoticeIsQueuedOnceWhenTheCountReachesItsLimit(backend: StorageBackend) async throws {
        let (guardRepository, outbox) = try await Self.make(backend)
        let daily = RateCounters.Scope("test_daily", window: 86_400)
        let mail = OutgoingMail(kind: "test_notice", recipient: "someone@example.org", message: Array("Subject: x\r\n\r\nbody\r\n".utf8))
        for _ in 0..<5 { _ = try await guardRepository.add(daily, key: "k", now: 100, notice: (limit: 3, mail: mail)) }
        #expect(try await outbox.due(now: 100, limit: 10).filter { $0.kind == "test_notice" }.count == 1)
    }

    @Test(arguments: StorageBackend.allCases)
    func aChallengeIsSpentOnceEvenWhenTwoUsesRace(backend: StorageBackend) async throws {
        let (guardRepository, _) = try await Self.make(backend)
        let signature = Array(repeating: UInt8(7), count: 32)
        let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 { group.addTask { try await guardRepository.spend(challenge: signature, expiresAt: 600, now: 100) } }
            return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(accepted == 1)
        #expect(try await guardRepository.spend(challenge: Array(repeating: 8, count: 32), expiresAt: 600, now: 100))
        // Once expired it is forgotten (the check refuses the expired challenge itself).
        #expect(try await guardRepository.spend(challenge: signature, expiresAt: 1_200, now: 700))
    }
}
