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
        try RegistrarImportPlan.decide(lines, seal: seal, now: now, accountReady: accountReady, lookup: SQLiteRegistrarLookup(db: db))
    }

    /// Writes what `plan` decided; with `verify`, first checks that every
    /// row it changes is still as the plan read it.
    private func execute(_ plan: RegistrarImportPlan, now: Int64, actor: String, accountReady: AccountReadyMail?, verify: Bool,
                         db: Database) throws -> CardImportReport {
        var insertedIDs: [String: Int64] = [:]
        for write in plan.writes {
            switch write {
            case .insertHolder(var row):
                try row.insert(db)
                insertedIDs[row.studentID] = row.id
            case .updateHolder(var before, var after):
                if before.id == nil { before.id = insertedIDs[before.studentID]; after.id = before.id }
                if verify {
                    let current = try HolderRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM holder WHERE student_id = ?"), arguments: [before.studentID])
                    guard current == before else { throw StaleSnapshot() }
                }
                try after.update(db)
            case .insertCard(var row, let holderStudentID):
                if let id = insertedIDs[holderStudentID] { row.holderID = id }
                try row.insert(db)
            case .updateCard(let before, let after):
                if verify {
                    let current = try CardRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM card WHERE number = ?"), arguments: [before.number])
                    guard current == before else { throw StaleSnapshot() }
                }
                try after.update(db)
            }
        }
        if accountReady != nil {
            for (mail, notBefore) in plan.mails { try outbox.enqueue(mail, now: now, notBefore: notBefore, db: db) }
        }
        let report = CardImportReport(rows: plan.report.rows, applied: true)
        try AuditEvent(at: now, actor: actor, action: "cards_imported", subject: nil,
                       detail: "\(report.count(.created)) created, \(report.count(.updated)) updated, \(report.count(.unchanged)) unchanged").insert(db)
        return report
    }
}

/// ``RegistrarLookup`` inside a GRDB transaction or snapshot.
struct SQLiteRegistrarLookup: RegistrarLookup {
    let db: Database

    func holder(studentID: String) throws -> HolderRow? {
        try HolderRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM holder WHERE student_id = ?"), arguments: [studentID])
    }

    func owner(of index: Data, in column: HolderIndexColumn) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT student_id FROM holder WHERE \(column.rawValue) = ?"), arguments: [index])
    }

    func card(number: String) throws -> CardRow? {
        try CardRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM card WHERE number = ?"), arguments: [number])
    }

    func studentID(holderID: Int64) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT student_id FROM holder WHERE id = ?"), arguments: [holderID])
    }
}
