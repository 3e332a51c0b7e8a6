import IssuerStore
import AccountRules
import CardToken
import Foundation
import GRDB

extension AccountStore {
    /// Decides and records a digital card application in one transaction
    /// (so two racing submissions cannot both pass the rules), issuing the
    /// card at once when `policy` says so or the fee is nil. Throws
    /// ``CardApplicationRules/Refusal`` for a refused application.
    public func submitCardApplication(holderID: Int64, kind: CardApplicationRules.Kind, policy: CardIssuePolicy, today: CalendarDay,
                                      now: Int64, mail: CardIssuedMail?) throws -> CardApplication {
        try refusalsPassed(doing: "record the card application") { db in
            guard let holder = try HolderRecord.fetchOne(db, key: holderID) else {
                throw IssuerStoreError(.notFound, "the account no longer exists")
            }
            let target = try policy.rules.decide(kind, cards: try cardsOnFile(holderID: holderID, db: db),
                                                 pendingApplication: try hasUnpaidApplication(holderID: holderID, db: db), today: today)
            let fee = policy.fees[kind] ?? 0
            var record = CardApplicationRecord(
                id: Self.newCardApplicationID(), holderID: holderID, kind: kind.rawValue, status: CardApplicationStatus.awaitingPayment.rawValue,
                feeAmount: fee, currency: "TWD", cardNumber: nil, validThrough: nil, submittedAt: now)
            if case .renew(let number) = target { record.cardNumber = number }
            try record.insert(db)
            try AuditEvent(at: now, actor: "holder:\(holder.studentID)", action: "card_application_submitted", subject: record.id,
                           detail: "\(kind.rawValue), fee \(fee) TWD\(record.cardNumber.map { ", renews \($0)" } ?? "")").insert(db)
            if policy.issueOnSubmission || fee == 0 {
                try issue(&record, holder: holder, policy: policy, today: today, now: now, actor: "holder:\(holder.studentID)", mail: mail, db: db)
            }
            return try record.application(studentID: holder.studentID)
        }
    }

    /// What the holder could apply for now (``CardApplicationRules/offer(cards:pendingApplication:today:)``),
    /// read as ``submitCardApplication`` reads it.
    public func cardApplicationOffer(holderID: Int64, rules: CardApplicationRules, today: CalendarDay) throws(IssuerStoreError)
        -> Result<CardApplicationRules.Kind, CardApplicationRules.Refusal> {
        do {
            return try database.writer.read { db in
                rules.offer(cards: try cardsOnFile(holderID: holderID, db: db), pendingApplication: try hasUnpaidApplication(holderID: holderID, db: db),
                            today: today)
            }
        } catch {
            throw IssuerStoreError.wrapping(error, "cannot read the card applications")
        }
    }

    /// Records the fee paid for an application; one awaiting payment is
    /// issued in the same transaction.
    public func recordCardPayment(applicationID: String, amount: Int, reference: String, policy: CardIssuePolicy, today: CalendarDay,
                                  now: Int64, actor: String, mail: CardIssuedMail?) throws(IssuerStoreError) -> CardApplication {
        do {
            return try refusalsPassed(doing: "record the payment") { db in
                guard var record = try CardApplicationRecord.fetchOne(db, key: applicationID),
                      let holder = try HolderRecord.fetchOne(db, key: record.holderID) else {
                    throw IssuerStoreError(.notFound, "there is no card application \(applicationID.prefix(40))")
                }
                if let paidAt = record.paidAt {
                    throw IssuerStoreError(.alreadyPaid, "application \(record.id) was paid (\(record.paidAmount ?? 0) TWD, reference \(record.paymentReference ?? "?")) at \(paidAt) by \(record.paymentRecordedBy ?? "?"); nothing was changed")
                }
                guard amount == record.feeAmount else {
                    throw IssuerStoreError(.invalidChange, "the fee for application \(record.id) is \(record.feeAmount) TWD, not \(amount); record the whole fee once")
                }
                record.paidAt = now
                record.paidAmount = amount
                record.paymentReference = reference
                record.paymentRecordedBy = actor
                try AuditEvent(at: now, actor: actor, action: "card_payment_recorded", subject: record.id, detail: "\(amount) TWD, reference \(reference)").insert(db)
                if record.status == CardApplicationStatus.awaitingPayment.rawValue {
                    try issue(&record, holder: holder, policy: policy, today: today, now: now, actor: actor, mail: mail, db: db)
                } else {
                    try record.update(db)
                }
                return try record.application(studentID: holder.studentID)
            }
        } catch let error as IssuerStoreError {
            throw error
        } catch {
            throw .wrapping(error, "cannot record the payment")
        }
    }

    /// The holder's applications, newest first.
    public func cardApplications(holderID: Int64) throws(IssuerStoreError) -> [CardApplication] {
        try database.read { db in try cardApplications(holderID: holderID, db) }
    }

    /// The same, in the caller's transaction.
    func cardApplications(holderID: Int64, _ db: Database) throws -> [CardApplication] {
        let studentID = try HolderRecord.fetchOne(db, key: holderID)?.studentID ?? "?"
        return try CardApplicationRecord.filter(Column("holder_id") == holderID).order(Column("submitted_at").desc, Column("id")).fetchAll(db)
            .map { try $0.application(studentID: studentID) }
    }

    /// Applications for staff, oldest first, by status and payment; the read is audited.
    public func cardApplications(status: CardApplicationStatus?, paid: Bool?, limit: Int, actor: String, now: Int64) throws(IssuerStoreError) -> [CardApplication] {
        try database.write { db in
            var request = CardApplicationRecord.all()
            if let status { request = request.filter(Column("status") == status.rawValue) }
            if let paid { request = request.filter(paid ? Column("paid_at") != nil : Column("paid_at") == nil) }
            let records = try request.order(Column("submitted_at"), Column("id")).limit(limit).fetchAll(db)
            let studentIDs = Dictionary(uniqueKeysWithValues: try HolderRecord.filter(keys: Set(records.map(\.holderID))).fetchAll(db).compactMap { holder in
                holder.id.map { ($0, holder.studentID) }
            })
            try AuditEvent(at: now, actor: actor, action: "card_applications_listed", subject: nil,
                           detail: "status \(status?.rawValue ?? "any"), paid \(paid.map(String.init) ?? "any"), \(records.count) shown").insert(db)
            return try records.map { try $0.application(studentID: studentIDs[$0.holderID] ?? "?") }
        }
    }

    // MARK: - Internals

    /// Runs `body` in a write transaction, passing a rules refusal through
    /// as it is and turning other errors into ``IssuerStoreError``.
    private func refusalsPassed<T>(doing: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try database.writer.write(body)
        } catch let refusal as CardApplicationRules.Refusal {
            throw refusal
        } catch {
            throw IssuerStoreError.wrapping(error, "cannot \(doing)")
        }
    }

    /// An application waiting for its payment, or issued at once (`issue_on: submission`) with its fee still owed.
    private func hasUnpaidApplication(holderID: Int64, db: Database) throws -> Bool {
        try CardApplicationRecord.filter(Column("holder_id") == holderID && Column("paid_at") == nil && Column("fee_amount") > 0).fetchCount(db) > 0
    }

    private func cardsOnFile(holderID: Int64, db: Database) throws -> [CardApplicationRules.CardOnFile] {
        try CardRecord.filter(Column("holder_id") == holderID).fetchAll(db).compactMap { record in
            guard let form = CardApplicationRules.CardOnFile.Form(rawValue: record.kind),
                  let standing = CardApplicationRules.CardOnFile.Standing(rawValue: record.status),
                  let day = try? CalendarDay(yyyymmdd: Int(record.validThrough)) else { return nil }
            return CardApplicationRules.CardOnFile(number: record.number, form: form, standing: standing, validThrough: day)
        }
    }

    /// Makes the new card or extends the renewed one, marks the application
    /// issued, audits it and queues the confirmation mail.
    private func issue(_ record: inout CardApplicationRecord, holder: HolderRecord, policy: CardIssuePolicy, today: CalendarDay, now: Int64,
                       actor: String, mail: CardIssuedMail?, db: Database) throws {
        let renewal = record.kind == CardApplicationRules.Kind.renewal.rawValue
        let number: String, validThrough: CalendarDay
        // A renewal extends its card unless that card was revoked meanwhile; then a new number replaces it.
        if renewal, let existing = record.cardNumber, var card = try CardRecord.fetchOne(db, key: existing), card.status != CardStatus.revoked.rawValue {
            validThrough = try policy.rules.renewedValidThrough(currentEnd: try CalendarDay(yyyymmdd: Int(card.validThrough)), today: today)
            card.validThrough = Int64(validThrough.yyyymmdd)
            card.updatedAt = now
            try card.update(db)
            number = existing
        } else {
            var generator = SystemRandomNumberGenerator()
            var candidate = policy.numbers.generate(using: &generator)
            var tries = 1
            while try CardRecord.exists(db, key: candidate) {
                guard tries < 20 else { throw IssuerStoreError(.invalidChange, "20 random card numbers with prefix \(policy.numbers.prefix) were all taken, which should not happen with 10¹⁰ numbers; check the card table for imported numbers of this form, or set another cards.number_prefix") }
                candidate = policy.numbers.generate(using: &generator)
                tries += 1
            }
            number = candidate
            validThrough = try policy.rules.validThrough(issuedOn: today)
            try CardRecord(number: number, holderID: record.holderID, status: CardStatus.active.rawValue, validThrough: Int64(validThrough.yyyymmdd),
                           statusReason: nil, updatedAt: now, kind: CardKind.digital.rawValue).insert(db)
        }
        record.status = CardApplicationStatus.issued.rawValue
        record.issuedAt = now
        record.cardNumber = number
        record.validThrough = Int64(validThrough.yyyymmdd)
        try record.update(db)
        try AuditEvent(at: now, actor: actor, action: renewal ? "card_renewed" : "card_issued", subject: number,
                       detail: "application \(record.id), valid through \(validThrough)").insert(db)
        if let mail, let holder = try? self.holder(holder), let email = holder.email,
           let message = mail.compose(holder.displayName, email, number, validThrough, renewal, record.paidAt == nil ? record.feeAmount : 0) {
            try outbox.enqueue(message, now: now, db: db)
        }
    }

    static func newCardApplicationID() -> String { CardApplication.newID() }
}
