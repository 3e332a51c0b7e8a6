import IssuerStore
import IssuerStoreSQLite
import Testing

/// The lockout arithmetic every backend calls between its read and its write.
@Suite("Lockout rules")
struct LockoutRulesTests {
    let limits = LoginLockouts.Limits(maxFailures: 2, lockout: 600, strictAfter: 3)

    @Test func aFirstFailureStartsBothCountsAndLocksNoOne() {
        let after = LockoutRules.afterFailure(account: nil, client: nil, limits: limits, now: 50)
        #expect(after.account == .init(periodStart: 50, failures: 1))
        #expect(after.client == .init(failures: 1, lockedUntil: 0, lockouts: 0))
        #expect(after.started == nil)
    }

    @Test func lockoutsDoubleAndStopAtADayWhateverTheStoredCount() {
        let client = LockoutRules.ClientFailures(failures: 1, lockedUntil: 0, lockouts: 3)
        #expect(LockoutRules.afterFailure(account: nil, client: client, limits: limits, now: 0).started?.seconds == 4_800)
        // A stored count past any sensible value (or a huge lockout setting) saturates at a day, never overflows.
        let many = LockoutRules.ClientFailures(failures: 1, lockedUntil: 0, lockouts: Int.max)
        #expect(LockoutRules.afterFailure(account: nil, client: many, limits: limits, now: 0).started?.seconds == LockoutRules.maximumLockout)
        let huge = LoginLockouts.Limits(maxFailures: 1, lockout: .max)
        #expect(LockoutRules.afterFailure(account: nil, client: nil, limits: huge, now: 0).started?.seconds == LockoutRules.maximumLockout)
    }

    @Test func anEndedPeriodOrAClockThatWentBackStartsTheAccountsCountAgain() {
        let old = LockoutRules.AccountFailures(periodStart: 0, failures: 3)
        #expect(LockoutRules.afterFailure(account: old, client: nil, limits: limits, now: 600).account == .init(periodStart: 600, failures: 1))
        let future = LockoutRules.AccountFailures(periodStart: 1_000, failures: 3)
        #expect(LockoutRules.afterFailure(account: future, client: nil, limits: limits, now: 900).account == .init(periodStart: 900, failures: 1))
    }

    @Test func pastTheAccountsCeilingTheFirstFailureOfAClientLocksIt() {
        let busy = LockoutRules.AccountFailures(periodStart: 0, failures: 3)
        #expect(LockoutRules.afterFailure(account: busy, client: nil, limits: limits, now: 10).started?.seconds == 600)
    }
}
