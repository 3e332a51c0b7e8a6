import AccountRules
import CardToken
import Foundation

/// A holder's stored columns, as every backend keeps them (sealed and
/// hashed as ``PersonalDataSeal`` makes them); its coding keys are the
/// columns' names, so SQLite reads and writes it as it is.
package struct HolderRow: Codable, Equatable, Sendable {
    package var id: Int64?
    package var studentID: String
    package var sealedName: Data
    package var sealedEmail: Data?
    package var emailIndex: Data?
    package var status: String
    package var passwordHash: String?
    package var createdAt: Int64
    package var updatedAt: Int64
    package var sealedNationalID: Data? = nil
    package var nationalIDIndex: Data? = nil
    package var sealedMobile: Data? = nil
    package var mobileIndex: Data? = nil
    package var diplomaDate: Int64? = nil
    package var passwordChangeRequired = false

    package enum CodingKeys: String, CodingKey {
        case id, status
        case studentID = "student_id"
        case sealedName = "sealed_name"
        case sealedEmail = "sealed_email"
        case emailIndex = "email_index"
        case passwordHash = "password_hash"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case sealedNationalID = "sealed_national_id"
        case nationalIDIndex = "national_id_index"
        case sealedMobile = "sealed_mobile"
        case mobileIndex = "mobile_index"
        case diplomaDate = "diploma_date"
        case passwordChangeRequired = "password_change_required"
    }

    package init(id: Int64?, studentID: String, sealedName: Data, sealedEmail: Data?, emailIndex: Data?, status: String, passwordHash: String?,
                 createdAt: Int64, updatedAt: Int64, sealedNationalID: Data? = nil, nationalIDIndex: Data? = nil, sealedMobile: Data? = nil,
                 mobileIndex: Data? = nil, diplomaDate: Int64? = nil, passwordChangeRequired: Bool = false) {
        self.id = id
        self.studentID = studentID
        self.sealedName = sealedName
        self.sealedEmail = sealedEmail
        self.emailIndex = emailIndex
        self.status = status
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.sealedNationalID = sealedNationalID
        self.nationalIDIndex = nationalIDIndex
        self.sealedMobile = sealedMobile
        self.mobileIndex = mobileIndex
        self.diplomaDate = diplomaDate
        self.passwordChangeRequired = passwordChangeRequired
    }
}

extension HolderRow {
    /// The holder, its personal fields unsealed.
    package func holder(seal: PersonalDataSeal) throws(IssuerStoreError) -> Holder {
        guard let id, let status = HolderStatus(rawValue: status) else {
            throw IssuerStoreError(.corruptRecord, "the stored holder \(studentID) has no id or an unknown status")
        }
        return Holder(
            id: id, studentID: studentID,
            displayName: try seal.open(sealedName, field: "name", studentID: studentID),
            email: try sealedEmail.map { sealed throws(IssuerStoreError) in try seal.open(sealed, field: "email", studentID: studentID) },
            status: status, passwordHash: passwordHash,
            mobile: try sealedMobile.map { sealed throws(IssuerStoreError) in try seal.open(sealed, field: "mobile", studentID: studentID) },
            diplomaDate: diplomaDate.flatMap { $0 >= 0 ? try? CardDate(yyyymmdd: UInt64($0)) : nil },
            hasNationalID: nationalIDIndex != nil,
            passwordChangeRequired: passwordChangeRequired
        )
    }
}

/// A card's stored columns, as every backend keeps them (coding keys: the columns).
package struct CardRow: Codable, Equatable, Sendable {
    package var number: String
    package var holderID: Int64
    package var status: String
    package var validThrough: Int64
    package var statusReason: String?
    package var updatedAt: Int64
    package var kind = CardKind.digital.rawValue

    package enum CodingKeys: String, CodingKey {
        case number, status, kind
        case holderID = "holder_id"
        case validThrough = "valid_through"
        case statusReason = "status_reason"
        case updatedAt = "updated_at"
    }

    package init(number: String, holderID: Int64, status: String, validThrough: Int64, statusReason: String?, updatedAt: Int64,
                 kind: String = CardKind.digital.rawValue) {
        self.number = number
        self.holderID = holderID
        self.status = status
        self.validThrough = validThrough
        self.statusReason = statusReason
        self.updatedAt = updatedAt
        self.kind = kind
    }
}

extension CardRow {
    /// The card, or the refusal to read a row whose number, status or date does not parse.
    package func card() throws(IssuerStoreError) -> Card {
        guard let parsed = try? CardNumber(number), let status = CardStatus(rawValue: status),
              validThrough >= 0, let date = try? CardDate(yyyymmdd: UInt64(validThrough)) else {
            throw IssuerStoreError(.corruptRecord, "the stored card \(number) has an unreadable number, status or date")
        }
        return Card(number: parsed, holderID: holderID, status: status, validThrough: date, statusReason: statusReason,
                    kind: CardKind(rawValue: kind) ?? .digital)
    }
}

/// The keyed-hash columns that find a holder.
package enum HolderIndexColumn: String, Sendable {
    case email = "email_index"
    case nationalID = "national_id_index"
    case mobile = "mobile_index"
}

/// Where an import plan reads what the file names, as the database holds
/// it now: each backend answers from its own transaction or snapshot.
package protocol RegistrarLookup {
    func holder(studentID: String) throws -> HolderRow?
    /// The student ID of the holder whose `column` is `index`.
    func owner(of index: Data, in column: HolderIndexColumn) throws -> String?
    func card(number: String) throws -> CardRow?
    func studentID(holderID: Int64) throws -> String?
}

/// An import's decisions, row by row, made against the database as read
/// plus the file's own earlier rows (kept here, so a later row sees an
/// earlier row's new holder, freed address or new card), and the writes
/// they need, in file order.
package struct RegistrarImportPlan {
    package enum Write {
        case insertHolder(HolderRow)
        case updateHolder(before: HolderRow, after: HolderRow)
        /// A new card; its holder may be new too, so it is named by student ID.
        case insertCard(CardRow, holderStudentID: String)
        case updateCard(before: CardRow, after: CardRow)
    }

    let seal: PersonalDataSeal
    let now: Int64
    package var rows: [CardImportReport.Row] = []
    package var writes: [Write] = []
    /// The "account open" mails, each with when it may be sent.
    package var mails: [(OutgoingMail, Int64)] = []
    /// Holders as the rows so far left them, by student ID.
    private var holders: [String: HolderRow] = [:]
    /// Who holds each index after the rows so far; nil: freed by one of them.
    private var emailOwners: [Data: String?] = [:]
    private var nationalIDOwners: [Data: String?] = [:]
    private var mobileOwners: [Data: String?] = [:]
    /// Cards as the rows so far left them, with their holder's student ID.
    private var cards: [String: (record: CardRow, holder: String)] = [:]

    package init(seal: PersonalDataSeal, now: Int64) {
        self.seal = seal
        self.now = now
    }

    package var report: CardImportReport { CardImportReport(rows: rows, applied: false) }

    /// Decides every line against `lookup` (the database as it stands)
    /// and the file's own earlier lines; with `accountReady`, also the
    /// "account open" mails of holders whose first login became possible.
    package static func decide(_ lines: [RegistrarCSV.Line], seal: PersonalDataSeal, now: Int64, accountReady: AccountReadyMail?,
                               lookup: some RegistrarLookup) throws -> RegistrarImportPlan {
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
            let result = try plan.apply(row, line: line.number, lookup: lookup)
            plan.rows.append(result)
            // A first login became possible: tell the holder, when the account opens.
            if let accountReady, let nationalID = row.nationalID, result.action != .rejected,
               result.action == .created || result.detail.contains("national ID"),
               let record = try plan.holder(studentID: row.studentID, lookup: lookup),
               record.passwordHash == nil, record.nationalIDIndex == seal.nationalIDIndex(nationalID),
               let email = try record.sealedEmail.map({ try seal.open($0, field: "email", studentID: record.studentID) }),
               let mail = accountReady.compose(record.studentID, try seal.open(record.sealedName, field: "name", studentID: record.studentID), email) {
                plan.mails.append((mail, accountReady.opensAt(row.diplomaDate)))
            }
        }
        return plan
    }

    /// The holder as the rows so far left it, else as stored.
    package func holder(studentID: String, lookup: some RegistrarLookup) throws -> HolderRow? {
        if let known = holders[studentID] { return known }
        return try lookup.holder(studentID: studentID)
    }

    private func owner(_ index: Data, in owners: [Data: String?], column: HolderIndexColumn, lookup: some RegistrarLookup) throws -> String? {
        if let known = owners[index] { return known }
        return try lookup.owner(of: index, in: column)
    }

    /// The card as the rows so far left it, with its holder's student ID
    /// when a row of this file set it (nil: as stored, see its holder ID).
    private func card(_ number: String, lookup: some RegistrarLookup) throws -> (record: CardRow, holder: String?)? {
        if let known = cards[number] { return (known.record, known.holder) }
        guard let record = try lookup.card(number: number) else { return nil }
        return (record, nil)
    }

    private func studentID(of holderID: Int64, lookup: some RegistrarLookup) throws -> String {
        try lookup.studentID(holderID: holderID) ?? "?"
    }

    /// Moves an index from its old value to its new one for `studentID`.
    private static func move(_ owners: inout [Data: String?], from old: Data?, to new: Data?, studentID: String) {
        guard old != new else { return }
        if let old { owners[old] = .some(nil) }
        if let new { owners[new] = .some(studentID) }
    }

    private mutating func store(_ record: HolderRow, before: HolderRow?) {
        Self.move(&emailOwners, from: before?.emailIndex, to: record.emailIndex, studentID: record.studentID)
        Self.move(&nationalIDOwners, from: before?.nationalIDIndex, to: record.nationalIDIndex, studentID: record.studentID)
        Self.move(&mobileOwners, from: before?.mobileIndex, to: record.mobileIndex, studentID: record.studentID)
        holders[record.studentID] = record
        if let before { writes.append(.updateHolder(before: before, after: record)) } else { writes.append(.insertHolder(record)) }
    }

    /// Decides one row: the report's line, and the writes it needs.
    mutating func apply(_ row: RegistrarRow, line: Int, lookup: some RegistrarLookup) throws -> CardImportReport.Row {
        let cardText = row.cardNumber?.rawValue
        func reject(_ why: String) -> CardImportReport.Row {
            .init(line: line, studentID: row.studentID, cardNumber: cardText, action: .rejected, detail: why)
        }
        let nationalIDIndex = row.nationalID.map { seal.nationalIDIndex($0) }
        let mobileIndex = row.mobile.map { seal.mobileIndex($0) }
        let emailIndex = row.emailGiven ? row.email.map { seal.emailIndex($0) } : nil
        var changes: [String] = []
        var created = false

        let found = try holder(studentID: row.studentID, lookup: lookup)
        if let emailIndex, let owner = try owner(emailIndex, in: emailOwners, column: .email, lookup: lookup), owner != row.studentID {
            return reject("the e-mail address already belongs to student \(owner)")
        }
        if let nationalIDIndex, let owner = try owner(nationalIDIndex, in: nationalIDOwners, column: .nationalID, lookup: lookup), owner != row.studentID {
            return reject("the national ID already belongs to student \(owner)")
        }
        if let mobileIndex, let owner = try owner(mobileIndex, in: mobileOwners, column: .mobile, lookup: lookup), owner != row.studentID {
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
            let record = HolderRow(
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

        if let (before, knownOwner) = try card(cardNumber.rawValue, lookup: lookup) {
            let holderID = try holder(studentID: row.studentID, lookup: lookup)?.id
            let mine = knownOwner.map { $0 == row.studentID } ?? (holderID != nil && before.holderID == holderID)
            guard mine else {
                let owner = try knownOwner ?? studentID(of: before.holderID, lookup: lookup)
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
            let card = CardRow(number: cardNumber.rawValue, holderID: try holder(studentID: row.studentID, lookup: lookup)?.id ?? 0,
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
