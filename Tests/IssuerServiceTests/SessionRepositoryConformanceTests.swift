import CardToken
import Foundation
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import Testing

/// Issue #26, item 4: sessions behave alike on every backend.
@Suite("Session repository: every backend behaves alike")
struct SessionRepositoryConformanceTests {
    static let kek = KeyEncryptionKey.generate().key

    /// A backend's sessions, with one holder (two cards) and one staff member on file.
    static func make(_ backend: StorageBackend) async throws -> (sessions: any SessionRepository, holderID: Int64, staff: any StaffRepository,
                                                                 audit: any AuditRepository) {
        let store = try await backend.store()
        let holders = store.holders(kek: kek)
        for (card, through) in [("A000000001", "2024-12-31"), ("A000000002", "2030-12-31")] {
            let row = RegistrarRow(studentID: "R09000001", displayName: "林小明", email: "lin@alumni.example.org", cardNumber: try CardNumber(card),
                                   validThrough: try CardDate(iso8601: through))
            _ = try await holders.upsert(row, now: 100, actor: "test")
        }
        let staff = store.staff(kek: kek)
        _ = try await staff.createStaff(name: "ming", displayName: "Ming", role: .reviewer, passwordHash: "$2b$04$" + String(repeating: "a", count: 53),
                                        now: 100, actor: "test")
        let holder = try #require(try await holders.holder(studentID: "R09000001"))
        return (store.sessions(kek: kek), holder.id, staff, store.audit())
    }

    static let token = BearerToken.digest("acs_one"), other = BearerToken.digest("acs_two")

    @Test(arguments: StorageBackend.allCases)
    func aHolderSessionServesTheHolderAndCardsUntilItEndsOrExpires(backend: StorageBackend) async throws {
        let (sessions, holderID, _, _) = try await Self.make(backend)
        #expect(try await sessions.holderSession(tokenHash: Self.token, now: 1_000) == nil)
        try await sessions.createHolderSession(holderID: holderID, tokenHash: Self.token, now: 1_000, expiresAt: 2_000)
        try await sessions.createHolderSession(holderID: holderID, tokenHash: Self.other, now: 1_000, expiresAt: 5_000)
        let found = try #require(try await sessions.holderSession(tokenHash: Self.token, now: 1_999))
        #expect(found.holder.id == holderID && found.holder.studentID == "R09000001" && found.expiresAt == 2_000)
        #expect(found.cards.map(\.number.rawValue) == ["A000000002", "A000000001"], "the latest valid-through first")
        #expect(try await sessions.holderSession(tokenHash: Self.token, now: 2_000) == nil, "expired at its end")
        try await sessions.endHolderSession(tokenHash: Self.other)
        #expect(try await sessions.holderSession(tokenHash: Self.other, now: 1_500) == nil)
        try await sessions.endHolderSession(tokenHash: Self.other) // already ended: not an error
    }

    @Test(arguments: StorageBackend.allCases)
    func aSessionForNoHolderIsRefusedAndNothingIsStored(backend: StorageBackend) async throws {
        let (sessions, holderID, _, _) = try await Self.make(backend)
        await #expect(throws: (any Error).self) {
            try await sessions.createHolderSession(holderID: holderID + 1_000, tokenHash: Self.token, now: 1_000, expiresAt: 2_000)
        }
        #expect(try await sessions.holderSession(tokenHash: Self.token, now: 1_500) == nil)
    }

    @Test(arguments: StorageBackend.allCases)
    func aStaffSessionIsAuditedAndEndsWhenTheMemberIsDisabled(backend: StorageBackend) async throws {
        let (sessions, _, staff, audit) = try await Self.make(backend)
        try await sessions.createStaffSession(name: "ming", tokenHash: Self.token, now: 1_000, expiresAt: 2_000)
        #expect(try await sessions.staffSession(tokenHash: Self.token, now: 1_500)?.name == "ming")
        #expect(try await audit.recent(limit: 5).contains { $0.action == "staff_login" && $0.actor == "staff:ming" })
        #expect(try await sessions.staffSession(tokenHash: Self.token, now: 2_000) == nil)
        try await sessions.createStaffSession(name: "ming", tokenHash: Self.other, now: 1_000, expiresAt: 9_000)
        try await staff.disableStaff(name: "ming", now: 1_100, actor: "admin:ops")
        #expect(try await sessions.staffSession(tokenHash: Self.other, now: 1_200) == nil)
        try await sessions.endStaffSession(tokenHash: Self.other)
    }
}
