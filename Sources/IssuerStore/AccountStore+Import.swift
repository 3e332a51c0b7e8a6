import AccountRules
import CardToken
import Foundation
import GRDB

/// What an import did, row by row.
public struct CardImportReport: Sendable, Codable, Equatable {
    public enum Action: String, Sendable, Codable {
        case created, updated, unchanged, rejected
    }

    public struct Row: Sendable, Codable, Equatable {
        public let line: Int
        public let studentID: String?
        public let cardNumber: String?
        public let action: Action
        /// What changed, or why the row was rejected.
        public let detail: String

        enum CodingKeys: String, CodingKey {
            case line, action, detail
            case studentID = "student_id"
            case cardNumber = "card_number"
        }
    }

    public let rows: [Row]
    /// Whether the changes were written: false after any rejected row
    /// (nothing is half-imported) and for a dry run.
    public let applied: Bool

    public var rejected: Int { rows.filter { $0.action == .rejected }.count }
    public func count(_ action: Action) -> Int { rows.filter { $0.action == action }.count }
}

/// The mail a holder gets when an import gives them a national ID (so a
/// first login) and an address: "your account is open", sent when it
/// opens (diploma date + 2 days for new graduates).
public struct AccountReadyMail: Sendable {
    public let outbox: MailOutbox
    /// The message for (student ID, name, address), or nil to send none.
    public let compose: @Sendable (_ studentID: String, _ name: String, _ email: String) -> OutgoingMail?
    /// When the account opens, for a diploma date (nil: at once).
    public let opensAt: @Sendable (CardDate?) -> Int64

    public init(outbox: MailOutbox, compose: @escaping @Sendable (String, String, String) -> OutgoingMail?, opensAt: @escaping @Sendable (CardDate?) -> Int64) {
        self.outbox = outbox
        self.compose = compose
        self.opensAt = opensAt
    }
}

extension AccountStore {
    /// Imports the registrar's CSV in one transaction: every row is
    /// checked against the database as it stands with the rows before it,
    /// and if any row is rejected nothing is written.
    public func importCSV(_ data: Data, now: Int64, actor: String, dryRun: Bool = false, accountReady: AccountReadyMail? = nil) throws(IssuerStoreError) -> CardImportReport {
        let lines = try RegistrarCSV.parse(data)
        return try importLines(lines, now: now, actor: actor, dryRun: dryRun, accountReady: accountReady)
    }

    func importRows(_ rows: [RegistrarRow], now: Int64, actor: String, dryRun: Bool) throws(IssuerStoreError) -> CardImportReport {
        try importLines(rows.enumerated().map { RegistrarCSV.Line(number: $0.offset + 2, row: $0.element, problem: nil) },
                        now: now, actor: actor, dryRun: dryRun)
    }

    private struct Rollback: Error { let report: CardImportReport }

    private func importLines(_ lines: [RegistrarCSV.Line], now: Int64, actor: String, dryRun: Bool,
                             accountReady: AccountReadyMail? = nil) throws(IssuerStoreError) -> CardImportReport {
        do {
            return try database.writer.write { db in
                var report: [CardImportReport.Row] = []
                var cardsInFile: [String: Int] = [:]
                for line in lines {
                    guard let row = line.row else {
                        report.append(.init(line: line.number, studentID: nil, cardNumber: nil, action: .rejected, detail: line.problem ?? "unreadable"))
                        continue
                    }
                    if let number = row.cardNumber {
                        if let earlier = cardsInFile[number.rawValue] {
                            report.append(.init(line: line.number, studentID: row.studentID, cardNumber: number.rawValue, action: .rejected,
                                                detail: "card \(number) is also on line \(earlier); a card appears once per file"))
                            continue
                        }
                        cardsInFile[number.rawValue] = line.number
                    }
                    let result = try apply(row, line: line.number, now: now, db: db)
                    report.append(result)
                    // A first login became possible: tell the holder, when the account opens.
                    if let accountReady, let nationalID = row.nationalID, result.action != .rejected,
                       result.action == .created || result.detail.contains("national ID"),
                       let record = try HolderRecord.fetchOne(db, sql: "SELECT * FROM holder WHERE student_id = ?", arguments: [row.studentID]),
                       record.passwordHash == nil, record.nationalIDIndex == seal.nationalIDIndex(nationalID),
                       let email = try record.sealedEmail.map({ try seal.open($0, field: "email", studentID: record.studentID) }),
                       let mail = accountReady.compose(record.studentID, try seal.open(record.sealedName, field: "name", studentID: record.studentID), email) {
                        try accountReady.outbox.enqueue(mail, now: now, notBefore: accountReady.opensAt(row.diplomaDate), db: db)
                    }
                }
                let result = CardImportReport(rows: report, applied: false)
                if dryRun || result.rejected > 0 { throw Rollback(report: result) }
                try AuditEvent(at: now, actor: actor, action: "cards_imported", subject: nil,
                               detail: "\(result.count(.created)) created, \(result.count(.updated)) updated, \(result.count(.unchanged)) unchanged").insert(db)
                return CardImportReport(rows: report, applied: true)
            }
        } catch let rollback as Rollback {
            return rollback.report
        } catch {
            throw .wrapping(error, "cannot write the import")
        }
    }

    private func apply(_ row: RegistrarRow, line: Int, now: Int64, db: Database) throws -> CardImportReport.Row {
        let cardText = row.cardNumber?.rawValue
        func reject(_ why: String) -> CardImportReport.Row {
            .init(line: line, studentID: row.studentID, cardNumber: cardText, action: .rejected, detail: why)
        }
        let nationalIDIndex = row.nationalID.map { seal.nationalIDIndex($0) }
        let mobileIndex = row.mobile.map { seal.mobileIndex($0) }
        let emailIndex = row.emailGiven ? row.email.map { seal.emailIndex($0) } : nil
        var changes: [String] = []
        var created = false

        // Cached statements: an import runs these for every row inside its
        // transaction, and compiling them each time was most of its lock time.
        var holderRecord = try HolderRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM holder WHERE student_id = ?"), arguments: [row.studentID])
        if let emailIndex,
           let owner = try HolderRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM holder WHERE email_index = ?"), arguments: [emailIndex]),
           owner.studentID != row.studentID {
            return reject("the e-mail address already belongs to student \(owner.studentID)")
        }
        if let nationalIDIndex,
           let owner = try HolderRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM holder WHERE national_id_index = ?"), arguments: [nationalIDIndex]),
           owner.studentID != row.studentID {
            return reject("the national ID already belongs to student \(owner.studentID)")
        }
        if let mobileIndex,
           let owner = try HolderRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM holder WHERE mobile_index = ?"), arguments: [mobileIndex]),
           owner.studentID != row.studentID {
            return reject("the mobile number already belongs to student \(owner.studentID)")
        }
        if var existing = holderRecord {
            let current = try holder(existing)
            if current.displayName != row.displayName {
                existing.sealedName = seal.seal(row.displayName, field: "name", studentID: row.studentID)
                changes.append("name")
            }
            if row.emailGiven, current.email.map(PersonalDataSeal.normalise) != row.email.map(PersonalDataSeal.normalise) {
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
                try existing.update(db)
            }
            holderRecord = existing
        } else {
            var record = HolderRecord(
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
            try record.insert(db)
            holderRecord = record
            created = true
        }
        guard let holderID = holderRecord?.id else { return reject("the holder could not be stored") }
        guard let cardNumber = row.cardNumber, let validThrough = row.validThrough else {
            if created { return .init(line: line, studentID: row.studentID, cardNumber: nil, action: .created, detail: "new holder, no card yet") }
            if changes.isEmpty { return .init(line: line, studentID: row.studentID, cardNumber: nil, action: .unchanged, detail: "") }
            return .init(line: line, studentID: row.studentID, cardNumber: nil, action: .updated, detail: changes.joined(separator: ", "))
        }

        if var card = try CardRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM card WHERE number = ?"), arguments: [cardNumber.rawValue]) {
            guard card.holderID == holderID else {
                let owner = try HolderRecord.fetchOne(db, key: card.holderID)?.studentID ?? "?"
                return reject("card \(cardNumber) belongs to student \(owner); a card number is never moved to another holder")
            }
            if let wanted = row.status, card.status == CardStatus.revoked.rawValue && wanted != .revoked {
                return reject("card \(cardNumber) is revoked and cannot be made \(wanted.rawValue); issue a new card number")
            }
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
            if !changes.isEmpty {
                card.updatedAt = now
                try card.update(db)
            }
        } else {
            try CardRecord(number: cardNumber.rawValue, holderID: holderID, status: (row.status ?? .active).rawValue,
                           validThrough: Int64(validThrough.yyyymmdd), statusReason: nil, updatedAt: now,
                           kind: (row.cardKind ?? .digital).rawValue).insert(db)
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
