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
    /// Concurrent processes wait up to `busyTimeout` for each other's
    /// writes (the daemon waits briefly and answers 503; the CLI longer).
    /// Commits are `synchronous=FULL`: a reported key, token or card
    /// revocation survives a power cut (the write volume is small).
    public static func open(path: String, busyTimeout: TimeInterval = 15) throws(IssuerStoreError) -> AppDatabase {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        // Created 0600 before SQLite opens it: SQLite gives the -wal and
        // -shm files the database file's mode (no process-wide umask).
        let descriptor = Glibc.open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if descriptor >= 0 { close(descriptor) }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
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
        migrator.registerMigration("v2: holders, cards, sessions, admin tokens, issued tokens") { db in
            try db.execute(sql: """
                -- Names and e-mail addresses are personal data: sealed under a key
                -- derived from the KEK. E-mail is found through a keyed hash.
                CREATE TABLE holder (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    student_id TEXT NOT NULL UNIQUE CHECK (length(student_id) BETWEEN 1 AND 32),
                    sealed_name BLOB NOT NULL,
                    sealed_email BLOB,
                    email_index BLOB UNIQUE CHECK (email_index IS NULL OR length(email_index) = 32),
                    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
                    password_hash TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );

                CREATE TABLE card (
                    number TEXT PRIMARY KEY NOT NULL CHECK (length(CAST(number AS BLOB)) BETWEEN 1 AND 32),
                    holder_id INTEGER NOT NULL REFERENCES holder(id) ON DELETE RESTRICT,
                    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
                    valid_through INTEGER NOT NULL CHECK (valid_through BETWEEN 19000101 AND 99991231),
                    status_reason TEXT,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX card_holder ON card(holder_id);

                -- Bearer tokens are stored only as SHA-256 hashes.
                CREATE TABLE session (
                    token_hash BLOB PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
                    holder_id INTEGER NOT NULL REFERENCES holder(id) ON DELETE CASCADE,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL CHECK (expires_at > created_at)
                );
                CREATE INDEX session_holder ON session(holder_id);
                CREATE INDEX session_expires ON session(expires_at);

                CREATE TABLE admin_token (
                    name TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
                    role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'auditor')),
                    token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER
                );

                -- The token of each card for each refresh window, so every request
                -- (and every instance) in a window answers the same token.
                CREATE TABLE issued_token (
                    card_number TEXT NOT NULL REFERENCES card(number) ON DELETE CASCADE,
                    window_start INTEGER NOT NULL,
                    token TEXT NOT NULL,
                    kid TEXT NOT NULL,
                    issued_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL CHECK (expires_at > issued_at),
                    PRIMARY KEY (card_number, window_start)
                ) WITHOUT ROWID;
                CREATE INDEX issued_token_expires ON issued_token(expires_at);
                """)
        }
        migrator.registerMigration("v3: erased removed keys, admin token expiry and last use, student IDs in any case, instance flags") { db in
            // Removed keys sign nothing and check nothing: keeping their
            // sealed secrets only helps a thief of a database copy and the KEK.
            try db.execute(sql: """
                UPDATE signing_key SET sealed_private_key = x'' WHERE state = 'removed';
                ALTER TABLE admin_token ADD COLUMN expires_at INTEGER;
                ALTER TABLE admin_token ADD COLUMN last_used_at INTEGER;
                -- Logins match student IDs in any case (LoginName folds case).
                CREATE INDEX holder_student_id_nocase ON holder(student_id COLLATE NOCASE);
                -- Facts about this database itself, such as "made by serve --dev".
                CREATE TABLE instance_flag (
                    name TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
                    set_at INTEGER NOT NULL
                );
                """)
        }
        return migrator
    }
}
