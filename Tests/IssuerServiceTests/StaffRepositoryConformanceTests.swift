import Foundation
import IssuerService
import IssuerStore
import Testing

/// Issue #26, item 4: staff accounts and admin tokens behave alike on every backend.
@Suite("Staff repository: every backend behaves alike")
struct StaffRepositoryConformanceTests {
    static let kek = KeyEncryptionKey.generate().key
    static let hash = "$2b$04$" + String(repeating: "a", count: 53)

    @Test(arguments: StorageBackend.allCases)
    func aTimeStepIsTakenOnceEvenWhenTwoUsesRaceAndAnOlderOneNever(backend: StorageBackend) async throws {
        let staff = try await backend.store().staff(kek: Self.kek)
        let secret = try await staff.createStaff(name: "mei", displayName: "Mei", role: .reviewer, passwordHash: Self.hash, now: 100, actor: "cli:ops")
        let found = try #require(try await staff.credentials(name: "mei"))
        #expect(found.totpSecret == secret && found.passwordHash == Self.hash && !found.member.enrolled && found.member.role == .reviewer)
        let taken = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<3 { group.addTask { try await staff.takeStep(name: "mei", step: 1_000, enrol: true, now: 200) } }
            return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(taken == 1)
        #expect(try await staff.credentials(name: "mei")?.member.enrolled == true)
        #expect(try await !staff.takeStep(name: "mei", step: 999, enrol: false, now: 201), "an older step is a replay")
        #expect(try await staff.takeStep(name: "mei", step: 1_001, enrol: false, now: 230))
        #expect(try await staff.staffMembers().map(\.name) == ["mei"])
        try await staff.disableStaff(name: "mei", now: 300, actor: "admin:ops")
        #expect(try await staff.staffMembers().first?.disabledAt == 300)
    }

    @Test(arguments: StorageBackend.allCases)
    func anAdminTokenIsFoundByItselfOnlyUntilRevokedOrExpired(backend: StorageBackend) async throws {
        let staff = try await backend.store().staff(kek: Self.kek)
        let token = try await staff.createAdminToken(name: "desk-1", role: .operator, lifetime: 1_000, now: 100, actor: "cli:ops")
        let found = try #require(try await staff.adminToken(token, now: 200))
        #expect(found.name == "desk-1" && found.role == .operator)
        #expect(try await staff.adminToken(token + "x", now: 200) == nil)
        #expect(try await staff.adminToken(token, now: 1_100) != nil, "live through its last second")
        #expect(try await staff.adminToken(token, now: 1_101) == nil, "expired")
        try await staff.noteAdminTokenUse(name: "desk-1", now: 200)
        #expect(try await staff.adminTokens().map(\.name) == ["desk-1"])
        try await staff.revokeAdminToken(name: "desk-1", now: 300, actor: "admin:ops")
        #expect(try await staff.adminToken(token, now: 301) == nil)
    }
}
