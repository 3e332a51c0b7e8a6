import AccountRules
import CardToken
import Foundation
import IssuerStore
import PostgresNIO

/// ``HolderRepository`` on PostgreSQL. A write that reads first locks the
/// holder's row (`FOR UPDATE`); the registrar's import reads what its
/// file names in bulk, decides with ``RegistrarImportPlan`` and writes in
/// one SERIALIZABLE transaction, retried when a concurrent change
/// conflicts, so it stays all or nothing without holding locks while it
/// decides.
public struct PostgresHolderRepository: HolderRepository {
    let storage: PostgresStorage
    let seal: PersonalDataSeal

    public init(storage: PostgresStorage, kek: KeyEncryptionKey) {
        self.storage = storage
        seal = PersonalDataSeal(kek: kek)
    }

    /// How many earlier passwords `password_reused` compares with (the current one included).
    /// The history has no row id here (the table is SQLite's, column for
    /// column): two changes in the same second are ordered by their
    /// physical position, `ctid`, which follows insertion in practice.
    static let passwordHistoryDepth = 3

    public func loginKey(_ login: LoginName) -> String { seal.loginKey(login) }

    public func holder(login: LoginName) async throws -> Holder? {
        let emailIndex = seal.emailIndex(login.text)
        let mobileIndex = login.mobile.map { seal.mobileIndex($0) }
        let row = try await storage.read("cannot find the account") { connection -> HolderRow? in
            if let mobileIndex, let found = try await PostgresHolderRows.holder(where: "mobile_index", mobileIndex, connection) { return found }
            // Student IDs match in any case, as LoginName folds it (ASCII, as SQLite's NOCASE).
            if let found = try await PostgresHolderRows.holders(try await connection.query("""
                SELECT \(unescaped: PostgresHolderRows.holderColumns) FROM holder WHERE lower(student_id) = lower(\(login.text)) ORDER BY id LIMIT 1
                """, logger: PostgresConnection.quiet)).first { return found }
            return try await PostgresHolderRows.holder(where: "email_index", emailIndex, connection)
        }
        return try row?.holder(seal: seal)
    }

    public func holder(studentID: String) async throws -> Holder? {
        try await storage.read("cannot read the account") { connection in
            try await PostgresHolderRows.holder(where: "student_id", studentID, connection)
        }?.holder(seal: seal)
    }

    public func nationalIDMatches(holderID: Int64, candidate: String) async throws -> Bool {
        guard let number = try? IdentityNumber(candidate) else { return false }
        let index = seal.nationalIDIndex(number)
        let stored = try await storage.read("cannot read the account") { connection in
            try await connection.value("SELECT national_id_index FROM holder WHERE id = \(holderID) AND national_id_index IS NOT NULL", as: Data.self)
        }
        guard let stored, stored.count == index.count else { return false }
        return ConstantTime.equal(Array(stored), Array(index))
    }

    public func recentPasswordHashes(holderID: Int64) async throws -> [String] {
        try await storage.read("cannot read the password history") { connection in
            var hashes: [String] = []
            for try await hash in try await connection.query("""
                SELECT password_hash FROM password_history WHERE holder_id = \(holderID) ORDER BY set_at DESC, ctid DESC LIMIT \(Self.passwordHistoryDepth)
                """, logger: PostgresConnection.quiet).decode(String.self) { hashes.append(hash) }
            return hashes
        }
    }

    public func changePassword(holderID: Int64, hash: String, keepSession: [UInt8]?, consumeReset: [UInt8]?,
                               newSession: (tokenHash: [UInt8], expiresAt: Int64)?, action: String, now: Int64) async throws {
        let newSessionHash = newSession.map { Data($0.tokenHash) }, newSessionEnd = newSession?.expiresAt
        try await storage.transaction("cannot change the password") { connection in
            if let consumeReset {
                guard try await connection.run("""
                    UPDATE password_reset SET used_at = \(now)
                    WHERE token_hash = \(Data(consumeReset)) AND used_at IS NULL AND expires_at > \(now) AND holder_id = \(holderID)
                    """) == 1 else { throw IssuerStoreError(.tokenUnusable, "this reset link was used or expired just now; ask for a new one") }
            }
            guard let studentID = try await connection.value("SELECT student_id FROM holder WHERE id = \(holderID) FOR UPDATE", as: String.self) else {
                throw IssuerStoreError(.notFound, "the account no longer exists")
            }
            try await connection.run("""
                UPDATE holder SET password_hash = \(hash), password_change_required = false, updated_at = \(now) WHERE id = \(holderID)
                """)
            try await connection.run("INSERT INTO password_history (holder_id, password_hash, set_at) VALUES (\(holderID), \(hash), \(now))")
            try await connection.run("""
                DELETE FROM password_history WHERE holder_id = \(holderID) AND ctid NOT IN (
                    SELECT ctid FROM password_history WHERE holder_id = \(holderID) ORDER BY set_at DESC, ctid DESC LIMIT \(Self.passwordHistoryDepth))
                """)
            // The replacement is the same browser: it keeps the old one's name in the sessions list.
            var browser: String?
            if let keepSession, newSessionHash != nil {
                browser = try await connection.value("""
                    SELECT user_agent FROM session WHERE token_hash = \(Data(keepSession)) AND holder_id = \(holderID)
                    """, as: String?.self) ?? nil
            }
            if let keepSession, newSessionHash == nil {
                try await connection.run("DELETE FROM session WHERE holder_id = \(holderID) AND token_hash != \(Data(keepSession))")
            } else {
                try await connection.run("DELETE FROM session WHERE holder_id = \(holderID)")
            }
            if let newSessionHash, let newSessionEnd {
                try await connection.run("""
                    INSERT INTO session (token_hash, holder_id, created_at, expires_at, user_agent)
                    VALUES (\(newSessionHash), \(holderID), \(now), \(newSessionEnd), \(browser))
                    """)
            }
            // Other reset links die with the old password.
            try await connection.run("UPDATE password_reset SET used_at = \(now) WHERE holder_id = \(holderID) AND used_at IS NULL")
            try await connection.audit(at: now, actor: studentID, action: action, subject: studentID, detail: "other sessions ended")
        }
    }

    public func setPasswordHash(studentID: String, hash: String, now: Int64, actor: String) async throws {
        try await storage.transaction("cannot set the password") { connection in
            guard let id = try await connection.value("""
                UPDATE holder SET password_hash = \(hash), updated_at = \(now) WHERE student_id = \(studentID) RETURNING id
                """, as: Int64.self) else { throw IssuerStoreError(.notFound, "there is no holder with student ID \(studentID)") }
            try await connection.run("DELETE FROM session WHERE holder_id = \(id)")
            try await connection.audit(at: now, actor: actor, action: "password_set", subject: studentID, detail: "")
        }
    }

    public func createPasswordReset(holderID: Int64, tokenHash: [UInt8], expiresAt: Int64, mail: OutgoingMail?, now: Int64,
                                    cap: (scope: RateCounterScope, limit: Int)) async throws -> Bool {
        let seal = seal
        return try await storage.transaction("cannot make the reset link") { connection in
            // The holder's row orders racing requests, so the count is read and written by one at a time.
            guard try await connection.value("SELECT id FROM holder WHERE id = \(holderID) FOR UPDATE", as: Int64.self) != nil else {
                throw IssuerStoreError(.notFound, "the account no longer exists")
            }
            try await connection.run("DELETE FROM password_reset WHERE expires_at <= \(now)")
            guard try await connection.counter(cap.scope, key: String(holderID), now: now) < cap.limit else {
                try await connection.audit(at: now, actor: "holder", action: "password_reset_requested", subject: String(holderID),
                                           detail: "daily number of reset mails reached: none sent")
                return false
            }
            _ = try await connection.addToCounter(cap.scope, key: String(holderID), now: now)
            try await connection.run("""
                INSERT INTO password_reset (token_hash, holder_id, created_at, expires_at) VALUES (\(Data(tokenHash)), \(holderID), \(now), \(expiresAt))
                """)
            if let mail { try await connection.enqueue(mail, now: now, seal: seal) }
            try await connection.audit(at: now, actor: "holder", action: "password_reset_requested", subject: String(holderID), detail: "")
            return true
        }
    }

    public func recordResetForNoAccount(now: Int64) async throws {
        try await storage.transaction("cannot record the reset request") { connection in
            try await connection.run("DELETE FROM password_reset WHERE expires_at <= \(now)")
            try await connection.audit(at: now, actor: "anonymous", action: "password_reset_requested", subject: nil, detail: "no account with an address")
        }
    }

    public func passwordReset(tokenHash: [UInt8], now: Int64) async throws -> Holder? {
        try await storage.read("cannot read the reset link") { connection in
            try await PostgresHolderRows.holders(try await connection.query("""
                SELECT \(unescaped: PostgresHolderRows.holderColumns.split(separator: ",").map { "holder." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", "))
                FROM password_reset JOIN holder ON holder.id = password_reset.holder_id
                WHERE password_reset.token_hash = \(Data(tokenHash)) AND password_reset.used_at IS NULL AND password_reset.expires_at > \(now)
                """, logger: PostgresConnection.quiet)).first
        }?.holder(seal: seal)
    }

    public func createFirstLoginCode(holderID: Int64, codeHash: [UInt8], expiresAt: Int64, mail: OutgoingMail, now: Int64) async throws {
        let seal = seal
        try await storage.transaction("cannot make the first-login code") { connection in
            try await connection.run("""
                INSERT INTO first_login_code (holder_id, code_hash, expires_at, attempts) VALUES (\(holderID), \(Data(codeHash)), \(expiresAt), 0)
                ON CONFLICT (holder_id) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0
                """)
            try await connection.enqueue(mail, now: now, seal: seal)
        }
    }

    public func hasFirstLoginCode(holderID: Int64, now: Int64) async throws -> Bool {
        try await storage.read("cannot read the first-login code") { connection in
            try await connection.value("""
                SELECT EXISTS (SELECT 1 FROM first_login_code WHERE holder_id = \(holderID) AND expires_at > \(now) AND attempts < 5)
                """, as: Bool.self)
        } ?? false
    }

    public func consumeFirstLoginCode(holderID: Int64, codeHash: [UInt8], now: Int64) async throws -> Bool {
        try await storage.transaction("cannot check the first-login code") { connection in
            if try await connection.run("""
                DELETE FROM first_login_code WHERE holder_id = \(holderID) AND code_hash = \(Data(codeHash)) AND expires_at > \(now) AND attempts < 5
                """) == 1 { return true }
            try await connection.run("UPDATE first_login_code SET attempts = attempts + 1 WHERE holder_id = \(holderID)")
            return false
        }
    }

    public func setHolderStatus(studentID: String, status: HolderStatus, reason: String, now: Int64, actor: String) async throws {
        try await storage.transaction("cannot change the account") { connection in
            guard let id = try await connection.value("""
                UPDATE holder SET status = \(status.rawValue), updated_at = \(now) WHERE student_id = \(studentID) RETURNING id
                """, as: Int64.self) else { throw IssuerStoreError(.notFound, "there is no holder with student ID \(studentID)") }
            if status == .suspended { try await connection.run("DELETE FROM session WHERE holder_id = \(id)") }
            try await connection.audit(at: now, actor: actor, action: "holder_\(status.rawValue)", subject: studentID, detail: reason)
        }
    }

    public func importRegistrar(_ data: Data, now: Int64, actor: String, dryRun: Bool, accountReady: AccountReadyMail?) async throws -> CardImportReport {
        try await importLines(try RegistrarCSV.parse(data), now: now, actor: actor, dryRun: dryRun, accountReady: accountReady)
    }

    public func upsert(_ row: RegistrarRow, now: Int64, actor: String) async throws -> CardImportReport {
        try await importLines([RegistrarCSV.Line(number: 2, row: row, problem: nil)], now: now, actor: actor, dryRun: false, accountReady: nil)
    }

    public func counts() async throws -> (holders: Int, cards: Int) {
        try await storage.read("cannot count the accounts") { connection in
            (try await connection.value("SELECT count(*)::bigint FROM holder", as: Int.self) ?? 0,
             try await connection.value("SELECT count(*)::bigint FROM card", as: Int.self) ?? 0)
        }
    }

    private struct Rollback: Error { let report: CardImportReport }

    private func importLines(_ lines: [RegistrarCSV.Line], now: Int64, actor: String, dryRun: Bool, accountReady: AccountReadyMail?) async throws -> CardImportReport {
        let seal = seal
        do {
            return try await storage.transaction("cannot write the import", isolation: .serializable) { connection in
                let lookup = try await PrefetchedRegistrarLookup.read(for: lines, seal: seal, connection)
                let plan = try RegistrarImportPlan.decide(lines, seal: seal, now: now, accountReady: accountReady, lookup: lookup)
                if dryRun || plan.report.rejected > 0 { throw Rollback(report: plan.report) }
                var insertedIDs: [String: Int64] = [:]
                for write in plan.writes {
                    switch write {
                    case .insertHolder(let row):
                        insertedIDs[row.studentID] = try await PostgresHolderRows.insert(row, connection)
                    case .updateHolder(let before, let after):
                        guard let id = before.id ?? insertedIDs[before.studentID] else { continue }
                        try await PostgresHolderRows.update(after, id: id, connection)
                    case .insertCard(var card, let holderStudentID):
                        if let id = insertedIDs[holderStudentID] { card.holderID = id }
                        try await PostgresHolderRows.insert(card, connection)
                    case .updateCard(_, let after):
                        try await PostgresHolderRows.update(after, connection)
                    }
                }
                for (mail, notBefore) in plan.mails { try await connection.enqueue(mail, now: now, notBefore: notBefore, seal: seal) }
                let report = CardImportReport(rows: plan.report.rows, applied: true)
                try await connection.audit(at: now, actor: actor, action: "cards_imported", subject: nil,
                                           detail: "\(report.count(.created)) created, \(report.count(.updated)) updated, \(report.count(.unchanged)) unchanged")
                return report
            }
        } catch let rollback as Rollback {
            return rollback.report
        }
    }
}
