import Foundation
import IssuerService
import IssuerStore
import Testing

/// Issue #27: leases and the development flag behave alike on every
/// backend, racing takers included.
@Suite("Instance repository: every backend behaves alike")
struct InstanceRepositoryConformanceTests {
    @Test(arguments: StorageBackend.allCases)
    func ofRacingTakersOneHoldsTheLeaseUntilItExpiresOrIsGivenUp(backend: StorageBackend) async throws {
        let instances = try await backend.store().instances()
        let winners = try await withThrowingTaskGroup(of: String?.self) { group in
            for taker in 0..<6 {
                group.addTask { try await instances.acquireLease("rotation", holder: "instance-\(taker)", now: 100, duration: 60) ? "instance-\(taker)" : nil }
            }
            return try await group.reduce(into: [String]()) { if let winner = $1 { $0.append(winner) } }
        }
        #expect(winners.count == 1, "exactly one taker holds it: \(winners)")
        let holder = try #require(winners.first)
        let other = holder == "instance-0" ? "instance-1" : "instance-0"
        #expect(try await instances.acquireLease("rotation", holder: holder, now: 150, duration: 60), "its holder renews it")
        #expect(try await !instances.acquireLease("rotation", holder: other, now: 209, duration: 60), "renewed to 210: still held at 209")
        #expect(try await instances.acquireLease("rotation", holder: other, now: 210, duration: 60), "expired: another takes it over")
        #expect(try await !instances.acquireLease("rotation", holder: holder, now: 211, duration: 60), "the old holder lost it")
        #expect(try await instances.acquireLease("maintenance", holder: holder, now: 211, duration: 60), "leases are independent by name")
        try await instances.releaseLease("rotation", holder: holder)
        #expect(try await !instances.acquireLease("rotation", holder: holder, now: 212, duration: 60), "only the holder's release counts")
        try await instances.releaseLease("rotation", holder: other)
        #expect(try await instances.acquireLease("rotation", holder: holder, now: 212, duration: 60), "given up: free at once")
        #expect(try await !instances.acquireLease("", holder: holder, now: 212, duration: 60), "a name outside the schema's bounds is refused, not thrown")
        // A holder that died leaves its lease; pruning forgets the long expired only.
        #expect(try await instances.acquireLease("mail:dead", holder: "dead", now: 100, duration: 10))
        try await instances.pruneLeases(expiredBefore: 200)
        #expect(try await instances.acquireLease("mail:dead", holder: "someone", now: 300, duration: 10), "gone, so free")
        try await instances.pruneLeases(expiredBefore: 200)
        #expect(try await !instances.acquireLease("rotation", holder: other, now: 213, duration: 60), "an unexpired lease is kept")
    }

    @Test(arguments: StorageBackend.allCases)
    func theDevelopmentFlagIsSetOnce(backend: StorageBackend) async throws {
        let instances = try await backend.store().instances()
        #expect(try await !instances.isDevelopment())
        try await instances.markDevelopment(now: 100)
        try await instances.markDevelopment(now: 200)
        #expect(try await instances.isDevelopment())
    }
}
