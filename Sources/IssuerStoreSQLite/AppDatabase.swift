import Foundation
import GRDB
import IssuerStore

/// The issuer's database: owns the connection and the schema. Production
/// opens a `DatabasePool` (WAL); tests use an in-memory queue.
public struct AppDatabase: Sendable {
    public let writer: any DatabaseWriter

    /// Wraps `writer`, migrating it first unless `migrate` is false (the
    /// daemon migrates in `beforeServerStarts`, through ``migrate()``).
    public init(_ writer: any DatabaseWriter, migrate: Bool = true) throws(IssuerStoreError) {
        self.writer = writer
        if migrate { try self.migrate() }
    }

    /// Applies the migrations not yet applied; none when the schema is current.
    public func migrate() throws(IssuerStoreError) {
        do {
            try Self.migrator.migrate(writer)
        } catch {
            throw IssuerStoreError(.databaseUnavailable, "cannot migrate the database: \(error)")
        }
    }

    /// The migrations this database has not had yet, by name.
    public func pendingMigrations() throws(IssuerStoreError) -> [String] {
        do {
            let applied = try writer.read { db in try Self.migrator.appliedIdentifiers(db) }
            return Self.migrator.migrations.filter { !applied.contains($0) }
        } catch {
            throw IssuerStoreError(.databaseUnavailable, "cannot read the database's migrations: \(error)")
        }
    }

    /// Opens (creating if needed) the database file at `path`, mode 0600.
    /// Concurrent processes wait up to `busyTimeout` for each other's
    /// writes (the daemon waits briefly and answers 503; the CLI longer).
    /// Commits are `synchronous=FULL`: a reported key, token or card
    /// revocation survives a power cut (the write volume is small).
    ///
    /// `maxBytes` caps the database file (`storage.max_database_bytes`):
    /// SQLite's `max_page_count` belongs to a connection, so every
    /// connection the pool opens sets it. A write that would grow the file
    /// past it fails as a full disk does (``IssuerStoreError/Code/storageFull``),
    /// and nothing already written is touched.
    public static func open(path: String, busyTimeout: TimeInterval = 15, maxBytes: Int64? = nil, migrate: Bool = true) throws(IssuerStoreError) -> AppDatabase {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Deleted rows are overwritten, not left in free pages: an erased person stays erased in the file.
            try db.execute(sql: "PRAGMA secure_delete = ON")
            if let maxBytes {
                let pageSize = max(try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4_096, 512)
                try db.execute(sql: "PRAGMA max_page_count = \(max(maxBytes / pageSize, 1))")
            }
        }
        // Created 0600 before SQLite opens it: SQLite gives the -wal and
        // -shm files the database file's mode (no process-wide umask).
        let descriptor = Glibc.open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if descriptor >= 0 { close(descriptor) }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            return try AppDatabase(pool, migrate: migrate)
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
        migrator.registerMigration("v4: identity numbers, mobiles, graduates, reviewer role, applications, documents, outbox, human check, login failures, passwords") { db in
            try db.execute(sql: """
                -- National IDs and mobiles: sealed, found through keyed hashes.
                -- A holder whose password_hash is NULL and who has a national ID
                -- logs in with that ID, once, and must then choose a password.
                ALTER TABLE holder ADD COLUMN sealed_national_id BLOB;
                ALTER TABLE holder ADD COLUMN national_id_index BLOB CHECK (national_id_index IS NULL OR length(national_id_index) = 32);
                ALTER TABLE holder ADD COLUMN sealed_mobile BLOB;
                ALTER TABLE holder ADD COLUMN mobile_index BLOB CHECK (mobile_index IS NULL OR length(mobile_index) = 32);
                ALTER TABLE holder ADD COLUMN diploma_date INTEGER CHECK (diploma_date IS NULL OR diploma_date BETWEEN 19000101 AND 99991231);
                ALTER TABLE holder ADD COLUMN password_change_required INTEGER NOT NULL DEFAULT 0 CHECK (password_change_required IN (0, 1));
                CREATE UNIQUE INDEX holder_national_id ON holder(national_id_index) WHERE national_id_index IS NOT NULL;
                CREATE UNIQUE INDEX holder_mobile ON holder(mobile_index) WHERE mobile_index IS NOT NULL;
                ALTER TABLE card ADD COLUMN kind TEXT NOT NULL DEFAULT 'digital' CHECK (kind IN ('physical', 'digital'));

                -- The reviewer role: SQLite cannot change a CHECK, so the table is rebuilt.
                CREATE TABLE admin_token_v4 (
                    name TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
                    role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'reviewer', 'auditor')),
                    token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER,
                    expires_at INTEGER,
                    last_used_at INTEGER
                );
                INSERT INTO admin_token_v4 SELECT name, role, token_hash, created_at, revoked_at, expires_at, last_used_at FROM admin_token;
                DROP TABLE admin_token;
                ALTER TABLE admin_token_v4 RENAME TO admin_token;

                -- The last three password hashes, for password_reused.
                CREATE TABLE password_history (
                    holder_id INTEGER NOT NULL REFERENCES holder(id) ON DELETE CASCADE,
                    password_hash TEXT NOT NULL,
                    set_at INTEGER NOT NULL
                );
                CREATE INDEX password_history_holder ON password_history(holder_id, set_at);

                -- Reset links and first-login mail codes, stored only as SHA-256 hashes.
                CREATE TABLE password_reset (
                    token_hash BLOB PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
                    holder_id INTEGER NOT NULL REFERENCES holder(id) ON DELETE CASCADE,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL CHECK (expires_at > created_at),
                    used_at INTEGER
                ) WITHOUT ROWID;
                CREATE TABLE first_login_code (
                    holder_id INTEGER PRIMARY KEY NOT NULL REFERENCES holder(id) ON DELETE CASCADE,
                    code_hash BLOB NOT NULL CHECK (length(code_hash) = 32),
                    expires_at INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0
                );

                -- Spent human-check challenges, until they would have expired anyway.
                CREATE TABLE spent_challenge (
                    signature BLOB PRIMARY KEY NOT NULL CHECK (length(signature) = 32),
                    expires_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX spent_challenge_expires ON spent_challenge(expires_at);

                -- Login failures, shared by every instance and kept across restarts.
                CREATE TABLE login_failure (
                    account TEXT NOT NULL,
                    client TEXT NOT NULL,
                    failures INTEGER NOT NULL,
                    locked_until INTEGER NOT NULL DEFAULT 0,
                    lockouts INTEGER NOT NULL DEFAULT 0,
                    last_seen INTEGER NOT NULL,
                    PRIMARY KEY (account, client)
                ) WITHOUT ROWID;
                CREATE INDEX login_failure_last_seen ON login_failure(last_seen);
                CREATE TABLE login_account_failure (
                    account TEXT PRIMARY KEY NOT NULL,
                    period_start INTEGER NOT NULL,
                    failures INTEGER NOT NULL,
                    last_seen INTEGER NOT NULL
                ) WITHOUT ROWID;

                -- Account applications. Everything personal is in sealed_form
                -- (AES-GCM under a key derived from the KEK, bound to the id).
                CREATE TABLE account_application (
                    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 8 AND 40),
                    status TEXT NOT NULL CHECK (status IN ('pending', 'needs_info', 'approved', 'rejected')),
                    submitted_at INTEGER NOT NULL,
                    review_due INTEGER CHECK (review_due IS NULL OR review_due BETWEEN 19000101 AND 99991231),
                    working_days_left INTEGER CHECK (working_days_left IS NULL OR working_days_left >= 0),
                    national_id_index BLOB NOT NULL CHECK (length(national_id_index) = 32),
                    sealed_form BLOB NOT NULL,
                    consent_version TEXT NOT NULL,
                    consent_sha256 TEXT NOT NULL,
                    consented_at INTEGER NOT NULL,
                    status_token_hash BLOB NOT NULL UNIQUE CHECK (length(status_token_hash) = 32),
                    -- A second link, mailed with a request for information.
                    info_token_hash BLOB UNIQUE CHECK (info_token_hash IS NULL OR length(info_token_hash) = 32),
                    registrar_match TEXT,
                    known_identity INTEGER NOT NULL DEFAULT 0 CHECK (known_identity IN (0, 1)),
                    message TEXT,
                    sealed_reply BLOB,
                    replied_at INTEGER,
                    decided_at INTEGER,
                    decided_by TEXT,
                    decision_reason TEXT,
                    holder_id INTEGER REFERENCES holder(id) ON DELETE SET NULL,
                    documents_deleted_at INTEGER
                );
                CREATE INDEX account_application_queue ON account_application(status, review_due);
                CREATE INDEX account_application_identity ON account_application(national_id_index);
                CREATE INDEX account_application_decided ON account_application(decided_at) WHERE documents_deleted_at IS NULL;

                CREATE TABLE application_document (
                    application_id TEXT NOT NULL REFERENCES account_application(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL CHECK (kind IN ('id_document', 'photo')),
                    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
                    file_name TEXT NOT NULL UNIQUE,
                    size INTEGER NOT NULL CHECK (size > 0),
                    stored_at INTEGER NOT NULL,
                    PRIMARY KEY (application_id, kind)
                ) WITHOUT ROWID;

                -- Mail waits here, written in the transaction of the change that
                -- causes it, until the relay accepts it.
                CREATE TABLE mail_outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    sealed_recipient BLOB NOT NULL,
                    sealed_message BLOB NOT NULL,
                    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER NOT NULL,
                    last_error TEXT,
                    sent_at INTEGER
                );
                CREATE INDEX mail_outbox_due ON mail_outbox(status, next_attempt_at);
                CREATE TABLE mail_attempt (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    mail_id INTEGER NOT NULL REFERENCES mail_outbox(id) ON DELETE CASCADE,
                    at INTEGER NOT NULL,
                    outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'retry', 'failed')),
                    detail TEXT NOT NULL
                );
                CREATE INDEX mail_attempt_mail ON mail_attempt(mail_id);
                """)
        }
        migrator.registerMigration("v5: digital card applications, merchant directory, tokens derived instead of stored") { db in
            try db.execute(sql: """
                CREATE TABLE card_application (
                    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 8 AND 40),
                    holder_id INTEGER NOT NULL REFERENCES holder(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL CHECK (kind IN ('first', 'renewal')),
                    status TEXT NOT NULL CHECK (status IN ('awaiting_payment', 'issued')),
                    fee_amount INTEGER NOT NULL CHECK (fee_amount BETWEEN 0 AND 1000000),
                    currency TEXT NOT NULL CHECK (currency = 'TWD'),
                    -- The card a renewal extends (set at submission), or the new one (set at issue).
                    card_number TEXT REFERENCES card(number),
                    valid_through INTEGER CHECK (valid_through IS NULL OR valid_through BETWEEN 19000101 AND 99991231),
                    submitted_at INTEGER NOT NULL,
                    issued_at INTEGER,
                    paid_at INTEGER,
                    paid_amount INTEGER CHECK (paid_amount IS NULL OR paid_amount BETWEEN 0 AND 1000000),
                    payment_reference TEXT CHECK (payment_reference IS NULL OR length(payment_reference) BETWEEN 1 AND 64),
                    payment_recorded_by TEXT,
                    CHECK ((status = 'issued') = (issued_at IS NOT NULL))
                );
                CREATE INDEX card_application_holder ON card_application(holder_id, submitted_at);
                CREATE INDEX card_application_status ON card_application(status, submitted_at);
                -- At most one application waits for its payment per alumnus.
                CREATE UNIQUE INDEX card_application_one_pending ON card_application(holder_id) WHERE status = 'awaiting_payment';

                -- The latest exp of any token handed out ahead (GET /v1/card/tokens):
                -- a withdrawn card stays in revoked_cards until then.
                ALTER TABLE card ADD COLUMN tokens_live_until INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX card_withdrawn ON card(status, updated_at) WHERE status IN ('suspended', 'revoked');

                CREATE TABLE merchant (
                    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
                    name_zh TEXT NOT NULL,
                    name_en TEXT NOT NULL,
                    category TEXT NOT NULL,
                    address TEXT NOT NULL,
                    phone TEXT,
                    url TEXT,
                    offer_zh TEXT NOT NULL,
                    offer_en TEXT NOT NULL,
                    valid_from INTEGER NOT NULL CHECK (valid_from BETWEEN 19000101 AND 99991231),
                    valid_until INTEGER NOT NULL CHECK (valid_until BETWEEN valid_from AND 99991231),
                    -- Names, offers and address case-folded once (MerchantSearchText), searched by substring.
                    search_text TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX merchant_listing ON merchant(category, valid_until);

                -- Tokens are now a pure function of (card, window, key): nothing to keep.
                DROP TABLE issued_token;
                """)
        }
        migrator.registerMigration("v6: staff console accounts with a TOTP second factor, and their sessions") { db in
            try db.execute(sql: """
                CREATE TABLE staff (
                    -- Lower-case once (StaffName), so one spelling per person.
                    name TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 64 AND name = lower(name)),
                    display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 64),
                    role TEXT NOT NULL CHECK (role IN ('auditor', 'reviewer', 'operator', 'admin')),
                    password_hash TEXT NOT NULL,
                    -- The TOTP secret, sealed under the KEK and bound to the name.
                    totp_secret BLOB NOT NULL,
                    totp_enrolled INTEGER NOT NULL DEFAULT 0 CHECK (totp_enrolled IN (0, 1)),
                    -- The newest time step accepted: a code is never accepted twice.
                    totp_last_step INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    disabled_at INTEGER
                );
                CREATE TABLE staff_session (
                    token_hash BLOB PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
                    staff_name TEXT NOT NULL REFERENCES staff(name) ON DELETE CASCADE,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL
                );
                CREATE INDEX staff_session_staff ON staff_session(staff_name);
                """)
        }
        migrator.registerMigration("v7: rate counters; login failures keyed by a hash of the name, never the name") { db in
            try db.execute(sql: """
                -- Fixed-window counts (RateCounters): first-login guesses per
                -- account, applications per national ID and client, mail per
                -- recipient. Keys are row ids, keyed hashes or client addresses.
                CREATE TABLE rate_counter (
                    scope TEXT NOT NULL,
                    key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 128),
                    window_start INTEGER NOT NULL,
                    count INTEGER NOT NULL CHECK (count >= 0),
                    PRIMARY KEY (scope, key)
                );
                CREATE INDEX rate_counter_window ON rate_counter(scope, window_start);
                -- Unknown login names were the typed text (review 2, #6): a
                -- national ID typed as the login stayed here in clear.
                DELETE FROM login_failure WHERE account LIKE 'name:%';
                DELETE FROM login_account_failure WHERE account LIKE 'name:%';
                """)
        }
        migrator.registerMigration("v8: when the applicant was asked for more, so an unanswered request lapses") { db in
            try db.execute(sql: """
                ALTER TABLE account_application ADD COLUMN info_requested_at INTEGER;
                -- Requests made before this version count from the upgrade.
                UPDATE account_application SET info_requested_at = CAST(strftime('%s', 'now') AS INTEGER) WHERE status = 'needs_info';
                CREATE INDEX account_application_lapse ON account_application(status, info_requested_at);
                CREATE INDEX account_application_rejected ON account_application(decided_at) WHERE status = 'rejected';
                """)
        }
        migrator.registerMigration("v9: leases, so work that must happen once is done by one instance; mail claimed while it is sent") { db in
            try db.execute(sql: """
                CREATE TABLE lease (
                    name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
                    holder TEXT NOT NULL CHECK (length(holder) BETWEEN 1 AND 128),
                    expires_at INTEGER NOT NULL
                );
                ALTER TABLE mail_outbox ADD COLUMN claimed_until INTEGER;
                ALTER TABLE mail_outbox ADD COLUMN claimed_by TEXT CHECK (claimed_by IS NULL OR length(claimed_by) BETWEEN 1 AND 59);
                """)
        }
        migrator.registerMigration("v10: the alumnus's own account: profile and reminder switch, sessions' last use and browser, e-mail changes, data requests, card reminders") { db in
            try db.execute(sql: """
                -- The profile the holder keeps up (addresses, phone; sealed JSON). NULL until
                -- the first change: until then it is read from the approved application.
                ALTER TABLE holder ADD COLUMN sealed_profile BLOB;
                ALTER TABLE holder ADD COLUMN reminders INTEGER NOT NULL DEFAULT 1 CHECK (reminders IN (0, 1));
                ALTER TABLE session ADD COLUMN last_seen_at INTEGER;
                ALTER TABLE session ADD COLUMN user_agent TEXT CHECK (user_agent IS NULL OR length(user_agent) <= 200);
                -- One pending change of e-mail address per holder; the code only as its hash.
                CREATE TABLE email_change (
                    holder_id INTEGER PRIMARY KEY NOT NULL REFERENCES holder(id) ON DELETE CASCADE,
                    sealed_email BLOB NOT NULL,
                    code_hash BLOB NOT NULL CHECK (length(code_hash) = 32),
                    -- Another account has the address: no code can complete the change.
                    address_taken INTEGER NOT NULL CHECK (address_taken IN (0, 1)),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL CHECK (expires_at > created_at)
                );
                -- Set when the account was closed by a completed deletion request.
                ALTER TABLE holder ADD COLUMN closed_at INTEGER;
                -- Requests under the Personal Data Protection Act; free texts sealed.
                CREATE TABLE data_request (
                    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 8 AND 40),
                    holder_id INTEGER REFERENCES holder(id) ON DELETE SET NULL,
                    student_id TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('copy', 'correction', 'stop_processing', 'deletion')),
                    status TEXT NOT NULL CHECK (status IN ('open', 'completed', 'refused')),
                    sealed_details BLOB,
                    received_at INTEGER NOT NULL,
                    due INTEGER NOT NULL CHECK (due BETWEEN 19000101 AND 99991231),
                    extended_at INTEGER,
                    sealed_extension_reason BLOB,
                    decided_at INTEGER,
                    decided_by TEXT,
                    sealed_outcome BLOB,
                    export_until INTEGER,
                    CHECK ((status = 'open') = (decided_at IS NULL))
                );
                CREATE INDEX data_request_queue ON data_request(status, due);
                CREATE INDEX data_request_holder ON data_request(holder_id, received_at);
                -- Card reminders sent, so each goes once whatever restarts or instances there are.
                CREATE TABLE card_reminder (
                    card_number TEXT NOT NULL REFERENCES card(number) ON DELETE CASCADE,
                    kind TEXT NOT NULL CHECK (kind IN ('days_30', 'days_7', 'ended')),
                    valid_through INTEGER NOT NULL,
                    sent_at INTEGER NOT NULL,
                    PRIMARY KEY (card_number, kind, valid_through)
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }
}
