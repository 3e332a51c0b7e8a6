import Foundation
import GRDB
import IssuerStore
import IssuerStorePostgres
import IssuerStoreSQLite
import Logging
import StorageTransfer
import Testing
import TestSupport

/// Issue #27: `storage migrate`'s copier refuses what a PostgreSQL column
/// cannot hold and then commits nothing; a clean copy's proofs agree.
@Suite("SQLite to PostgreSQL copier")
struct StorageTransferTests {
    static func source() async throws -> AppDatabase {
        let database = try AppDatabase.open(path: try ProjectPaths.temporaryDirectory("transfer").appendingPathComponent("issuer.sqlite").path)
        let merchants = SQLiteMerchantRepository(database: database, threads: DatabaseThreads())
        for id in ["first-shop", "second-shop"] { try await merchants.create(try MerchantRepositoryConformanceTests.merchant(id), now: 100, actor: "test") }
        return database
    }

    static var logger: Logger { var logger = Logger(label: "transfer-test"); logger.logLevel = .critical; return logger }

    @Test func aCleanCopyReportsEveryTableWithMatchingProofs() async throws {
        let source = try await Self.source()
        let target = try await StorageBackend.postgresStorage()
        let reports = try await SQLiteToPostgres(source: source, target: target, logger: Self.logger).run(now: 200)
        #expect(reports.first { $0.table == "merchant" }?.rows == 2)
        #expect(reports.first { $0.table == "audit_event" }?.rows == 2)
        #expect(reports.allSatisfy { $0.checksum.count == 64 })
        let copied = try await PostgresMerchantRepository(storage: target).merchant(id: "second-shop")
        #expect(copied?.nameEnglish == "Mellow Café")
        // The identity sequence follows the copied ids: a new audit row does not collide.
        try await PostgresMerchantRepository(storage: target).create(try MerchantRepositoryConformanceTests.merchant("third-shop"), now: 300, actor: "test")
        #expect(try await PostgresAuditRepository(storage: target).recent(limit: 10).count == 3)
    }

    @Test func aValueAColumnCannotHoldIsRefusedAndNothingIsCommitted() async throws {
        let source = try await Self.source()
        try await source.writer.write { db in
            try db.execute(sql: "INSERT INTO audit_event (at, actor, action, detail) VALUES (1.5, 'test', 'odd', '')")
        }
        let target = try await StorageBackend.postgresStorage()
        await #expect { try await SQLiteToPostgres(source: source, target: target, logger: Self.logger).run(now: 200) } throws: { error in
            let message = (error as? IssuerStoreError)?.message ?? "\(error)"
            return message.contains("audit_event.at") && message.contains("real number")
        }
        #expect(try await PostgresMerchantRepository(storage: target).merchant(id: "first-shop") == nil, "the merchants copied before the refusal were rolled back")
    }
}
