/// Alumni and staff sessions, whatever holds them (issue #26). A session
/// is stored under the SHA-256 of its bearer token (``BearerToken/digest``),
/// never the token; expired sessions are pruned as new ones are made.
/// Every method is one transaction; every backend passes
/// `SessionRepositoryConformanceTests`.
public protocol SessionRepository: Sendable {
    /// Starts an alumnus's session; `userAgent` is the browser it was
    /// started from, already cut to ``HolderSessionRecord/userAgentLength`` characters.
    func createHolderSession(holderID: Int64, tokenHash: [UInt8], now: Int64, expiresAt: Int64, userAgent: String?) async throws
    /// A live session's holder with their cards (active first) and when it
    /// ends, read in one snapshot: what every request of the alumni app needs.
    /// The holder's status is the caller's to judge.
    func holderSession(tokenHash: [UInt8], now: Int64) async throws -> HolderSession?
    /// Ends an alumnus's session; ending one that does not exist is not an error.
    func endHolderSession(tokenHash: [UInt8]) async throws

    /// Notes that the session was used at `now` (only ever moves forward).
    func touchHolderSession(tokenHash: [UInt8], now: Int64) async throws
    /// The holder's live sessions, newest first.
    func holderSessions(holderID: Int64, now: Int64) async throws -> [HolderSessionRecord]
    /// Ends one of the holder's sessions, audited as the holder's own;
    /// false when the holder has no such session.
    func endHolderSession(holderID: Int64, tokenHash: [UInt8], now: Int64) async throws -> Bool
    /// Ends every session of the holder but `keep`, audited; returns how many ended.
    func endOtherHolderSessions(holderID: Int64, keep: [UInt8], now: Int64) async throws -> Int

    /// Starts a staff member's console session, audited as `staff_login`.
    func createStaffSession(name: String, tokenHash: [UInt8], now: Int64, expiresAt: Int64) async throws
    /// The staff member behind a live session, unless disabled since.
    func staffSession(tokenHash: [UInt8], now: Int64) async throws -> StaffMember?
    /// Ends a staff session; ending one that does not exist is not an error.
    func endStaffSession(tokenHash: [UInt8]) async throws
}

/// A live alumni session as a request sees it.
public struct HolderSession: Sendable, Equatable {
    public let holder: Holder
    /// Active first, then by latest valid-through.
    public let cards: [Card]
    public let expiresAt: Int64
    /// When the session was last noted as used (``SessionRepository/touchHolderSession(tokenHash:now:)``).
    public let lastSeenAt: Int64?

    public init(holder: Holder, cards: [Card], expiresAt: Int64, lastSeenAt: Int64? = nil) {
        self.holder = holder
        self.cards = cards
        self.expiresAt = expiresAt
        self.lastSeenAt = lastSeenAt
    }
}

extension SessionRepository {
    /// Starts a session without a known browser.
    public func createHolderSession(holderID: Int64, tokenHash: [UInt8], now: Int64, expiresAt: Int64) async throws {
        try await createHolderSession(holderID: holderID, tokenHash: tokenHash, now: now, expiresAt: expiresAt, userAgent: nil)
    }
}

extension HolderSession {
    /// A holder's cards in the order a session hands them out: active
    /// first, then by latest valid-through, then by number.
    package static func preferred(_ cards: [Card]) -> [Card] {
        cards.sorted { a, b in
            if (a.status == .active) != (b.status == .active) { return a.status == .active }
            if a.validThrough != b.validThrough { return a.validThrough > b.validThrough }
            return a.number < b.number
        }
    }
}
