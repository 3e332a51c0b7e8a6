import Foundation
import GRDB

/// The issuer's database: owns the connection and the schema. Production
/// opens a `DatabasePool` (WAL); tests use an in-memory queue.
public struct AppDatabase: Sendable {
    public let writer: any DatabaseWriter

    public init(_ writer: any DatabaseWriter) throws(IssuerStoreError) {
        self.writer = writer
        do {
            try Self.migrator.migrate(writer)
        } catch {
            throw IssuerStoreError(.databaseUnavailable, "cannot migrate the database: \(error)")
        }
    }

    /// Opens (creating if needed) the database file at `path`, mode 0600.
    /// Concurrent processes wait up to `busyTimeout` for each other's writes.
    public static func open(path: String, busyTimeout: TimeInterval = 15) throws(IssuerStoreError) -> AppDatabase {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        let existed = FileManager.default.fileExists(atPath: path)
        let previous = umask(0o077) // the file and its -wal/-shm are created 0600
        defer { umask(previous) }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            if !existed { chmod(path, 0o600) }
            return try AppDatabase(pool)
        } catch let error as IssuerStoreError {
            throw error
        } catch {
            throw IssuerStoreError(.databaseUnavailable, "cannot open the database \(path): \(error)")
        }
    }

    /// An empty database in memory.
    public static func inMemory() throws(IssuerStoreError) -> AppDatabase {
        do { return try AppDatabase(DatabaseQueue()) } catch let error as IssuerStoreError { throw error } catch {
            throw IssuerStoreError(.databaseUnavailable, "\(error)")
        }
    }

    /// Frozen once shipped: never edit a migration, add a new one. Names
    /// are strings, and the SQL names no Swift type.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: signing keys, key set state, audit") { db in
            try db.execute(sql: """
                CREATE TABLE signing_key (
                    kid TEXT PRIMARY KEY NOT NULL,
                    alg INTEGER NOT NULL CHECK (alg IN (-8, 5, 4)),
                    state TEXT NOT NULL CHECK (state IN ('published', 'active', 'retiring', 'revoked', 'removed')),
                    public_key BLOB CHECK (public_key IS NULL OR length(public_key) = 32),
                    sealed_private_key BLOB NOT NULL,
                    published_at INTEGER NOT NULL,
                    not_before INTEGER NOT NULL,
                    not_after INTEGER NOT NULL CHECK (not_after >= not_before OR state IN ('retiring', 'revoked', 'removed')),
                    planned_handoff INTEGER NOT NULL,
                    activated_at INTEGER,
                    retired_at INTEGER,
                    revoked_at INTEGER,
                    revocation_reason TEXT,
                    removed_at INTEGER
                );
                -- At most one key signs, and at most one waits as the standby.
                CREATE UNIQUE INDEX signing_key_one_active ON signing_key(state) WHERE state = 'active';
                CREATE UNIQUE INDEX signing_key_one_standby ON signing_key(state) WHERE state = 'published';

                CREATE TABLE keyset_state (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    seq INTEGER NOT NULL CHECK (seq >= 0),
                    document TEXT,
                    signed_at INTEGER,
                    kek_check BLOB NOT NULL
                );

                CREATE TABLE audit_event (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    subject TEXT,
                    detail TEXT NOT NULL DEFAULT ''
                );
                CREATE INDEX audit_event_at ON audit_event(at);
                """)
        }
        return migrator
    }
}
