import CardToken
import Foundation
import GRDB
import IssuerStore

/// ``CardReminderRepository`` on the SQLite database.
public struct SQLiteCardReminderRepository: CardReminderRepository {
    let database: AppDatabase
    let seal: PersonalDataSeal
    let outbox: MailOutbox
    let threads: DatabaseThreads

    public init(database: AppDatabase, kek: KeyEncryptionKey, threads: DatabaseThreads) {
        self.database = database
        seal = PersonalDataSeal(kek: kek)
        outbox = MailOutbox(database: database, kek: kek)
        self.threads = threads
    }

    public func reminderCandidates(from: CardDate, through: CardDate, limit: Int) async throws -> [CardReminderCandidate] {
        let database = database, seal = seal
        return try await threads.read {
            try database.read { db in
                let rows = try Row.fetchAll(db, sql: """
                    SELECT card.number, card.valid_through, holder.student_id, holder.sealed_name, holder.sealed_email,
                           (SELECT group_concat(kind) FROM card_reminder r WHERE r.card_number = card.number AND r.valid_through = card.valid_through) AS sent
                    FROM card JOIN holder ON holder.id = card.holder_id
                    WHERE card.kind = 'digital' AND card.status = 'active' AND card.valid_through BETWEEN ? AND ?
                      AND holder.reminders = 1 AND holder.status = 'active' AND holder.closed_at IS NULL AND holder.sealed_email IS NOT NULL
                    ORDER BY card.valid_through, card.number LIMIT ?
                    """, arguments: [from.yyyymmdd, through.yyyymmdd, max(1, limit)])
                return try rows.map { row in
                    let studentID: String = row["student_id"]
                    return CardReminderCandidate(
                        cardNumber: row["number"], validThrough: try CardDate(yyyymmdd: row["valid_through"] as Int),
                        name: try seal.open(row["sealed_name"], field: "name", studentID: studentID),
                        email: try seal.open(row["sealed_email"], field: "email", studentID: studentID),
                        sent: Set(((row["sent"] as String?) ?? "").split(separator: ",").compactMap { CardReminderKind(rawValue: String($0)) }))
                }
            }
        }
    }

    public func recordReminder(card: String, kind: CardReminderKind, validThrough: CardDate, mail: OutgoingMail, now: Int64) async throws -> Bool {
        let database = database, outbox = outbox
        return try await threads.write {
            try database.write { db in
                try db.execute(sql: """
                    INSERT INTO card_reminder (card_number, kind, valid_through, sent_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """, arguments: [card, kind.rawValue, validThrough.yyyymmdd, now])
                guard db.changesCount == 1 else { return false }
                try outbox.enqueue(mail, now: now, db: db)
                return true
            }
        }
    }
}
