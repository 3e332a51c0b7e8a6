import Foundation
import GRDB
import IssuerStore
import IssuerStorePostgres
import IssuerStoreSQLite
import Logging
import PostgresNIO
import TestSupport
import Testing

/// Issue #27: the PostgreSQL schema and its migrations, on a real server
/// (a throwaway cluster the tests start; they fail, not skip, without one).
@Suite("PostgreSQL storage: schema and migrations")
struct PostgresStorageTests {
    static func storage(database: String) throws -> PostgresStorage {
        let server = try PostgresTestServer.shared()
        var configuration = PostgresClient.Configuration(host: server.host, port: server.port, username: server.username, password: server.password,
                                                         database: database, tls: .disable)
        configuration.options.maximumConnections = 4
        configuration.options.connectionIdleTimeout = .seconds(5)
        var logger = Logger(label: "postgres-test")
        logger.logLevel = .critical
        let storage = PostgresStorage(configuration: configuration, logger: logger)
        Task { await storage.client.run() }
        return storage
    }

    @Test func instancesStartingTogetherOnAnEmptyDatabaseMigrateItOnce() async throws {
        let server = try PostgresTestServer.shared()
        let name = try server.createDatabase()
        let instances = try (0..<4).map { _ in try Self.storage(database: name) }
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for instance in instances { group.addTask { try await PostgresMigrations.migrate(instance, now: 1_000) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(applied.filter { !$0.isEmpty } == [Array(1...PostgresMigrations.latest)], "one instance migrated; the others found nothing to do: \(applied)")
        #expect(try server.psql("SELECT count(*) FROM schema_migration", database: name) == String(PostgresMigrations.latest))
        for instance in instances { #expect(try await PostgresMigrations.applied(instance) == Array(1...PostgresMigrations.latest)) }
    }

    @Test func aDatabaseWrittenByANewerVersionIsRefused() async throws {
        let server = try PostgresTestServer.shared()
        let name = try server.createDatabase()
        let storage = try Self.storage(database: name)
        try await PostgresMigrations.migrate(storage, now: 1_000)
        try server.psql("INSERT INTO schema_migration (version, name, applied_at) VALUES (\(PostgresMigrations.latest + 1), 'from the future', 0)", database: name)
        do {
            try await PostgresMigrations.migrate(storage, now: 2_000)
            Issue.record("a newer schema was used")
        } catch let error as IssuerStoreError {
            #expect(error.code == .databaseUnavailable && error.message.contains("newer version"), "\(error.message)")
        }
    }

    /// The two schemas drift apart only on purpose: every SQLite table and
    /// column has its PostgreSQL twin, and every unique or partial index
    /// (the rules the schema enforces) exists under the same name.
    @Test func thePostgresSchemaHasEveryTableColumnAndIndexOfTheSQLiteOne() async throws {
        let sqlite = try AppDatabase.inMemory()
        let sqliteColumns: Set<String> = try await sqlite.writer.read { db in
            var columns: Set<String> = []
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'") {
                for column in try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))") { columns.insert("\(table).\(column["name"] as String)") }
            }
            return columns
        }
        let sqliteIndexes: Set<String> = try await sqlite.writer.read { db in
            Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'"))
        }
        let server = try PostgresTestServer.shared()
        let name = try server.createDatabase()
        try await PostgresMigrations.migrate(try Self.storage(database: name), now: 1_000)
        let postgresColumns = Set(try server.psql("""
            SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name != 'schema_migration'
            """, database: name).split(separator: "\n").map(String.init))
        let postgresIndexes = Set(try server.psql("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'", database: name)
            .split(separator: "\n").map(String.init))
        #expect(sqliteColumns.subtracting(postgresColumns).isEmpty, "missing on PostgreSQL: \(sqliteColumns.subtracting(postgresColumns).sorted())")
        #expect(postgresColumns.subtracting(sqliteColumns).isEmpty, "only on PostgreSQL: \(postgresColumns.subtracting(sqliteColumns).sorted())")
        #expect(sqliteIndexes.subtracting(postgresIndexes).isEmpty, "indexes missing on PostgreSQL: \(sqliteIndexes.subtracting(postgresIndexes).sorted())")
        // A few of the rules, enforced by the server itself.
        #expect(throws: (any Error).self) { try server.psql("INSERT INTO merchant VALUES ('x', '', '', '', '', NULL, NULL, '', '', 20270101, 20260101, '', 0, 0)", database: name) }
        #expect(throws: (any Error).self) { try server.psql("INSERT INTO staff (name, display_name, role, password_hash, totp_secret, created_at) VALUES ('Upper', 'x', 'admin', 'h', ''::bytea, 0)", database: name) }
    }

    @Test func anotherKEKIsRefusedAndTheDatabasesOwnAccepted() async throws {
        let storage = try await StorageBackend.postgresStorage()
        let kek = KeyEncryptionKey.generate().key
        try await PostgresKeyRepository(storage: storage, kek: kek).checkKEK()
        try await PostgresKeyRepository(storage: storage, kek: kek).checkKEK()
        do {
            try await PostgresKeyRepository(storage: storage, kek: KeyEncryptionKey.generate().key).checkKEK()
            Issue.record("another KEK was accepted")
        } catch let error as IssuerStoreError {
            #expect(error.code == .kekMismatch)
        }
    }

    @Test func theBackendProvidesEveryRepositoryAndAnswersReadiness() async throws {
        let storage = try await StorageBackend.postgresStorage()
        let repositories = IssuerRepositories.postgres(storage: storage, kek: KeyEncryptionKey.generate().key,
                                                       lockouts: .init(maxFailures: 3, lockout: 60))
        #expect(await repositories.probe.isReachable())
        #expect(try await repositories.merchants.all().isEmpty)
        let counts = try await repositories.holders.counts()
        #expect(counts.holders == 0 && counts.cards == 0)
        // A pool that cannot connect (no such database) answers not ready within the probe's bound.
        let stopped = try Self.storage(database: "no_such_database_\(UInt32.random(in: 0...UInt32.max))")
        #expect(await !IssuerRepositories.postgres(storage: stopped, kek: KeyEncryptionKey.generate().key,
                                                  lockouts: .init(maxFailures: 3, lockout: 60)).probe.isReachable())
    }
}
