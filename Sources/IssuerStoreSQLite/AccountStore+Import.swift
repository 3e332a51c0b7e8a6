import IssuerStore
import AccountRules
import CardToken
import Foundation
import GRDB

extension AccountStore {
    /// Imports the registrar's CSV: every row is checked against the
    /// database as it stands with the rows before it, and if any row is
    /// rejected nothing is written.
    ///
    /// The rows are read and decided in a read snapshot, which takes no
    /// lock, and only the rows that change are written, in one short write
    /// transaction that first checks each of them is still as it was read.
    /// If one is not (a login, a staff action or an approval changed it
    /// meanwhile), or a uniqueness check fails, the whole import is decided
    /// and written again inside one write transaction, as before. So a
    /// nightly import of an unchanged file holds the write lock for almost
    /// nothing, and the all-or-nothing contract holds either way.
    public func importCSV(_ data: Data, now: Int64, actor: String, dryRun: Bool = false, accountReady: AccountReadyMail? = nil) throws(IssuerStoreError) -> CardImportReport {
        let lines = try RegistrarCSV.parse(data)
        return try importLines(lines, now: now, actor: actor, dryRun: dryRun, accountReady: accountReady)
    }

    /// ``importCSV(_:now:actor:dryRun:accountReady:)`` with `afterDeciding`
    /// run between the unlocked read and the write, where another writer
    /// may come in (the tests' way to be that writer).
    package func importCSV(_ data: Data, now: Int64, actor: String, afterDeciding: () throws -> Void) throws(IssuerStoreError) -> CardImportReport {
        try importLines(try RegistrarCSV.parse(data), now: now, actor: actor, dryRun: false, afterDeciding: afterDeciding)
    }

    func importRows(_ rows: [RegistrarRow], now: Int64, actor: String, dryRun: Bool) throws(IssuerStoreError) -> CardImportReport {
        try importLines(rows.enumerated().map { RegistrarCSV.Line(number: $0.offset + 2, row: $0.element, problem: nil) },
                        now: now, actor: actor, dryRun: dryRun)
    }

    private struct Rollback: Error { let report: CardImportReport }

    /// A row the plan would write is no longer as it was read.
    private struct StaleSnapshot: Error {}

    private func importLines(_ lines: [RegistrarCSV.Line], now: Int64, actor: String, dryRun: Bool,
                             accountReady: AccountReadyMail? = nil, afterDeciding: () throws -> Void = {}) throws(IssuerStoreError) -> CardImportReport {
        do {
            let plan = try database.writer.read { db in try decide(lines, now: now, accountReady: accountReady, db: db) }
            if dryRun || plan.report.rejected > 0 { return plan.report }
            try afterDeciding()
            do {
                return try database.writer.write { db in
                    try execute(plan, now: now, actor: actor, accountReady: accountReady, verify: true, db: db)
                }
            } catch is StaleSnapshot {
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                // A concurrent change took a value the plan gives: decide again under the lock.
            }
            return try database.writer.write { db in
                let locked = try decide(lines, now: now, accountReady: accountReady, db: db)
                if locked.report.rejected > 0 { throw Rollback(report: locked.report) }
                return try execute(locked, now: now, actor: actor, accountReady: accountReady, verify: false, db: db)
            }
        } catch let rollback as Rollback {
            return rollback.report
        } catch {
            throw .wrapping(error, "cannot write the import")
        }
    }

    private func decide(_ lines: [RegistrarCSV.Line], now: Int64, accountReady: AccountReadyMail?, db: Database) throws -> RegistrarImportPlan {
        var plan = RegistrarImportPlan(seal: seal, now: now)
        var cardsInFile: [String: Int] = [:]
        for line in lines {
            guard let row = line.row else {
                plan.rows.append(.init(line: line.number, studentID: nil, cardNumber: nil, action: .rejected, detail: line.problem ?? "unreadable"))
                continue
            }
            if let number = row.cardNumber {
                if let earlier = cardsInFile[number.rawValue] {
                    plan.rows.append(.init(line: line.number, studentID: row.studentID, cardNumber: number.rawValue, action: .rejected,
                                           detail: "card \(number) is also on line \(earlier); a card appears once per file"))
                    continue
                }
                cardsInFile[number.rawValue] = line.number
            }
            let result = try plan.apply(row, line: line.number, db: db)
            plan.rows.append(result)
            // A first login became possible: tell the holder, when the account opens.
            if let accountReady, let nationalID = row.nationalID, result.action != .rejected,
               result.action == .created || result.detail.contains("national ID"),
               let record = try plan.holder(studentID: row.studentID, db: db),
               record.passwordHash == nil, record.nationalIDIndex == seal.nationalIDIndex(nationalID),
               let email = try record.sealedEmail.map({ try seal.open($0, field: "email", studentID: record.studentID) }),
               let mail = accountReady.compose(record.studentID, try seal.open(record.sealedName, field: "name", studentID: record.studentID), email) {
                plan.mails.append((mail, accountReady.opensAt(row.diplomaDate)))
            }
        }
        return plan
    }

    /// Writes what `plan` decided; with `verify`, first checks that every
    /// row it changes is still as the plan read it.
    private func execute(_ plan: RegistrarImportPlan, now: Int64, actor: String, accountReady: AccountReadyMail?, verify: Bool,
                         db: Database) throws -> CardImportReport {
        var insertedIDs: [String: Int64] = [:]
        for write in plan.writes {
            switch write {
            case .insertHolder(var record):
                try record.insert(db)
                insertedIDs[record.studentID] = record.id
            case .updateHolder(var before, var after):
                if before.id == nil { before.id = insertedIDs[before.studentID]; after.id = before.id }
                if verify {
                    let current = try HolderRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM holder WHERE student_id = ?"), arguments: [before.studentID])
                    guard current == before else { throw StaleSnapshot() }
                }
                try after.update(db)
            case .insertCard(var record, let holderStudentID):
                if let id = insertedIDs[holderStudentID] { record.holderID = id }
                try record.insert(db)
            case .updateCard(let before, let after):
                if verify {
                    let current = try CardRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM card WHERE number = ?"), arguments: [before.number])
                    guard current == before else { throw StaleSnapshot() }
                }
                try after.update(db)
            }
        }
        if let accountReady {
            for (mail, notBefore) in plan.mails { try outbox.enqueue(mail, now: now, notBefore: notBefore, db: db) }
        }
        let report = CardImportReport(rows: plan.report.rows, applied: true)
        try AuditEvent(at: now, actor: actor, action: "cards_imported", subject: nil,
                       detail: "\(report.count(.created)) created, \(report.count(.updated)) updated, \(report.count(.unchanged)) unchanged").insert(db)
        return report
    }
}

/// An import's decisions, row by row, made against the database as read
/// plus the file's own earlier rows (kept here, so a later row sees an
/// earlier row's new holder, freed address or new card), and the writes
/// they need, in file order.
struct RegistrarImportPlan {
    enum Write {
        case insertHolder(HolderRecord)
        case updateHolder(before: HolderRecord, after: HolderRecord)
        /// A new card; its holder may be new too, so it is named by student ID.
        case insertCard(CardRecord, holderStudentID: String)
        case updateCard(before: CardRecord, after: CardRecord)
    }

    let seal: PersonalDataSeal
    let now: Int64
    var rows: [CardImportReport.Row] = []
    var writes: [Write] = []
    var mails: [(OutgoingMail, Int64)] = []
    /// Holders as the rows so far left them, by student ID.
    private var holders: [String: HolderRecord] = [:]
    /// Who holds each index after the rows so far; nil: freed by one of them.
    private var emailOwners: [Data: String?] = [:]
    private var nationalIDOwners: [Data: String?] = [:]
    private var mobileOwners: [Data: String?] = [:]
    /// Cards as the rows so far left them, with their holder's student ID.
    private var cards: [String: (record: CardRecord, holder: String)] = [:]

    init(seal: PersonalDataSeal, now: Int64) {
        self.seal = seal
        self.now = now
    }

    var report: CardImportReport { CardImportReport(rows: rows, applied: false) }

    func holder(studentID: String, db: Database) throws -> HolderRecord? {
        if let known = holders[studentID] { return known }
        return try HolderRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM holder WHERE student_id = ?"), arguments: [studentID])
    }

    private func owner(_ index: Data, in owners: [Data: String?], column: String, db: Database) throws -> String? {
        if let known = owners[index] { return known }
        return try String.fetchOne(db.cachedStatement(sql: "SELECT student_id FROM holder WHERE \(column) = ?"), arguments: [index])
    }

    /// The card as the rows so far left it, with its holder's student ID
    /// when a row of this file set it (nil: as stored, see its holder ID).
    private func card(_ number: String, db: Database) throws -> (record: CardRecord, holder: String?)? {
        if let known = cards[number] { return (known.record, known.holder) }
        guard let record = try CardRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM card WHERE number = ?"), arguments: [number]) else { return nil }
        return (record, nil)
    }

    private func studentID(of holderID: Int64, db: Database) throws -> String {
        try String.fetchOne(db.cachedStatement(sql: "SELECT student_id FROM holder WHERE id = ?"), arguments: [holderID]) ?? "?"
    }

    /// Moves an index from its old value to its new one for `studentID`.
    private static func move(_ owners: inout [Data: String?], from old: Data?, to new: Data?, studentID: String) {
        guard old != new else { return }
        if let old { owners[old] = .some(nil) }
        if let new { owners[new] = .some(studentID) }
    }

    private mutating func store(_ record: HolderRecord, before: HolderRecord?) {
        Self.move(&emailOwners, from: before?.emailIndex, to: record.emailIndex, studentID: record.studentID)
        Self.move(&nationalIDOwners, from: before?.nationalIDIndex, to: record.nationalIDIndex, studentID: record.studentID)
        Self.move(&mobileOwners, from: before?.mobileIndex, to: record.mobileIndex, studentID: record.studentID)
        holders[record.studentID] = record
        if let before { writes.append(.updateHolder(before: before, after: record)) } else { writes.append(.insertHolder(record)) }
    }

    /// Decides one row: the report's line, and the writes it needs.
    mutating func apply(_ row: RegistrarRow, line: Int, db: Database) throws -> CardImportReport.Row {
        let cardText = row.cardNumber?.rawValue
        func reject(_ why: String) -> CardImportReport.Row {
            .init(line: line, studentID: row.studentID, cardNumber: cardText, action: .rejected, detail: why)
        }
        let nationalIDIndex = row.nationalID.map { seal.nationalIDIndex($0) }
        let mobileIndex = row.mobile.map { seal.mobileIndex($0) }
        let emailIndex = row.emailGiven ? row.email.map { seal.emailIndex($0) } : nil
        var changes: [String] = []
        var created = false

        let found = try holder(studentID: row.studentID, db: db)
        if let emailIndex, let owner = try owner(emailIndex, in: emailOwners, column: "email_index", db: db), owner != row.studentID {
            return reject("the e-mail address already belongs to student \(owner)")
        }
        if let nationalIDIndex, let owner = try owner(nationalIDIndex, in: nationalIDOwners, column: "national_id_index", db: db), owner != row.studentID {
            return reject("the national ID already belongs to student \(owner)")
        }
        if let mobileIndex, let owner = try owner(mobileIndex, in: mobileOwners, column: "mobile_index", db: db), owner != row.studentID {
            return reject("the mobile number already belongs to student \(owner)")
        }
        if let before = found {
            var existing = before
            let currentName = try seal.open(existing.sealedName, field: "name", studentID: row.studentID)
            let currentEmail = try existing.sealedEmail.map { sealed throws(IssuerStoreError) in try seal.open(sealed, field: "email", studentID: row.studentID) }
            if currentName != row.displayName {
                existing.sealedName = seal.seal(row.displayName, field: "name", studentID: row.studentID)
                changes.append("name")
            }
            if row.emailGiven, currentEmail.map(PersonalDataSeal.normalise) != row.email.map(PersonalDataSeal.normalise) {
                existing.sealedEmail = row.email.map { seal.seal($0, field: "email", studentID: row.studentID) }
                existing.emailIndex = emailIndex
                changes.append("email")
            }
            if let nationalID = row.nationalID, existing.nationalIDIndex != nationalIDIndex {
                existing.sealedNationalID = seal.seal(nationalID.value, field: "national_id", studentID: row.studentID)
                existing.nationalIDIndex = nationalIDIndex
                if existing.passwordHash == nil { existing.passwordChangeRequired = true }
                changes.append("national ID")
            }
            if let mobile = row.mobile, existing.mobileIndex != mobileIndex {
                existing.sealedMobile = seal.seal(mobile.digits, field: "mobile", studentID: row.studentID)
                existing.mobileIndex = mobileIndex
                changes.append("mobile")
            }
            if let diploma = row.diplomaDate, existing.diplomaDate != Int64(diploma.yyyymmdd) {
                existing.diplomaDate = Int64(diploma.yyyymmdd)
                changes.append("diploma date \(diploma)")
            }
            if !changes.isEmpty {
                existing.updatedAt = now
                store(existing, before: before)
            }
        } else {
            let record = HolderRecord(
                id: nil, studentID: row.studentID,
                sealedName: seal.seal(row.displayName, field: "name", studentID: row.studentID),
                sealedEmail: row.emailGiven ? row.email.map { seal.seal($0, field: "email", studentID: row.studentID) } : nil,
                emailIndex: emailIndex, status: HolderStatus.active.rawValue, passwordHash: nil,
                createdAt: now, updatedAt: now,
                sealedNationalID: row.nationalID.map { seal.seal($0.value, field: "national_id", studentID: row.studentID) },
                nationalIDIndex: nationalIDIndex,
                sealedMobile: row.mobile.map { seal.seal($0.digits, field: "mobile", studentID: row.studentID) },
                mobileIndex: mobileIndex,
                diplomaDate: row.diplomaDate.map { Int64($0.yyyymmdd) },
                passwordChangeRequired: row.nationalID != nil)
            store(record, before: nil)
            created = true
        }
        guard let cardNumber = row.cardNumber, let validThrough = row.validThrough else {
            if created { return .init(line: line, studentID: row.studentID, cardNumber: nil, action: .created, detail: "new holder, no card yet") }
            if changes.isEmpty { return .init(line: line, studentID: row.studentID, cardNumber: nil, action: .unchanged, detail: "") }
            return .init(line: line, studentID: row.studentID, cardNumber: nil, action: .updated, detail: changes.joined(separator: ", "))
        }

        if let (before, knownOwner) = try card(cardNumber.rawValue, db: db) {
            let holderID = try holder(studentID: row.studentID, db: db)?.id
            let mine = knownOwner.map { $0 == row.studentID } ?? (holderID != nil && before.holderID == holderID)
            guard mine else {
                let owner = try knownOwner ?? studentID(of: before.holderID, db: db)
                return reject("card \(cardNumber) belongs to student \(owner); a card number is never moved to another holder")
            }
            var card = before
            if let wanted = row.status, card.status == CardStatus.revoked.rawValue && wanted != .revoked {
                return reject("card \(cardNumber) is revoked and cannot be made \(wanted.rawValue); issue a new card number")
            }
            let holderChanges = changes.count
            if card.validThrough != Int64(validThrough.yyyymmdd) {
                card.validThrough = Int64(validThrough.yyyymmdd)
                changes.append("valid-through \(validThrough)")
            }
            if let kind = row.cardKind, card.kind != kind.rawValue {
                changes.append("kind \(card.kind) → \(kind.rawValue)")
                card.kind = kind.rawValue
            }
            if let wanted = row.status, card.status != wanted.rawValue {
                changes.append("status \(card.status) → \(wanted.rawValue)")
                card.status = wanted.rawValue
                card.statusReason = "registrar import"
            }
            if changes.count > holderChanges {
                card.updatedAt = now
                cards[card.number] = (card, row.studentID)
                writes.append(.updateCard(before: before, after: card))
            }
        } else {
            // A holder new in this file has no ID yet: the write fills it in.
            let card = CardRecord(number: cardNumber.rawValue, holderID: try holder(studentID: row.studentID, db: db)?.id ?? 0,
                                  status: (row.status ?? .active).rawValue,
                                  validThrough: Int64(validThrough.yyyymmdd), statusReason: nil, updatedAt: now,
                                  kind: (row.cardKind ?? .digital).rawValue)
            cards[card.number] = (card, row.studentID)
            writes.append(.insertCard(card, holderStudentID: row.studentID))
            if !created { changes.append("new card") }
            created = created || changes == ["new card"]
        }
        if created {
            return .init(line: line, studentID: row.studentID, cardNumber: cardNumber.rawValue, action: .created, detail: "new holder and card")
        }
        if changes.isEmpty {
            return .init(line: line, studentID: row.studentID, cardNumber: cardNumber.rawValue, action: .unchanged, detail: "")
        }
        return .init(line: line, studentID: row.studentID, cardNumber: cardNumber.rawValue, action: .updated, detail: changes.joined(separator: ", "))
    }
}
