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
            guard let holder = try HolderRow.fetchOne(db, key: holderID) else {
                throw IssuerStoreError(.notFound, "the account no longer exists")
            }
            let target = try policy.rules.decide(kind, cards: try cardsOnFile(holderID: holderID, db: db),
                                                 pendingApplication: try hasUnpaidApplication(holderID: holderID, db: db), today: today)
            let fee = policy.fees[kind] ?? 0
            var record = CardApplicationRow(
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
                guard var record = try CardApplicationRow.fetchOne(db, key: applicationID),
                      let holder = try HolderRow.fetchOne(db, key: record.holderID) else {
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
        let studentID = try HolderRow.fetchOne(db, key: holderID)?.studentID ?? "?"
        return try CardApplicationRow.filter(Column("holder_id") == holderID).order(Column("submitted_at").desc, Column("id")).fetchAll(db)
            .map { try $0.application(studentID: studentID) }
    }

    /// Applications for staff, oldest first, by status and payment; the read is audited.
    public func cardApplications(status: CardApplicationStatus?, paid: Bool?, limit: Int, actor: String, now: Int64) throws(IssuerStoreError) -> [CardApplication] {
        try database.write { db in
            var request = CardApplicationRow.all()
            if let status { request = request.filter(Column("status") == status.rawValue) }
            if let paid { request = request.filter(paid ? Column("paid_at") != nil : Column("paid_at") == nil) }
            let records = try request.order(Column("submitted_at"), Column("id")).limit(limit).fetchAll(db)
            let studentIDs = Dictionary(uniqueKeysWithValues: try HolderRow.filter(keys: Set(records.map(\.holderID))).fetchAll(db).compactMap { holder in
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
        try CardApplicationRow.filter(Column("holder_id") == holderID && Column("paid_at") == nil && Column("fee_amount") > 0).fetchCount(db) > 0
    }

    private func cardsOnFile(holderID: Int64, db: Database) throws -> [CardApplicationRules.CardOnFile] {
        try CardRow.filter(Column("holder_id") == holderID).fetchAll(db).compactMap(\.onFile)
    }

    /// Makes the new card or extends the renewed one, marks the application
    /// issued, audits it and queues the confirmation mail.
    private func issue(_ record: inout CardApplicationRow, holder: HolderRow, policy: CardIssuePolicy, today: CalendarDay, now: Int64,
                       actor: String, mail: CardIssuedMail?, db: Database) throws {
        let named = try record.cardNumber.flatMap { try CardRow.fetchOne(db, key: $0) }
        let issue: CardIssue
        if let renewed = try record.renewedCard(named, policy: policy, today: today, now: now) {
            issue = renewed
            try issue.card.update(db)
        } else {
            guard let number = try policy.numberCandidates().first(where: { try !CardRow.exists(db, key: $0) }) else { throw policy.numbersExhausted }
            issue = try record.newCard(number: number, policy: policy, today: today, now: now)
            try issue.card.insert(db)
        }
        let event = record.markIssued(issue, now: now, actor: actor)
        try record.update(db)
        try event.insert(db)
        if let message = record.issuedMail(mail, holder: try? self.holder(holder), issue: issue) {
            try outbox.enqueue(message, now: now, db: db)
        }
    }

    static func newCardApplicationID() -> String { CardApplication.newID() }
}
