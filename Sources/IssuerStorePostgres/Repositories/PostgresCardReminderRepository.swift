import CardToken
import Foundation
import IssuerStore
import PostgresNIO

/// ``CardReminderRepository`` on PostgreSQL: the primary key of
/// `card_reminder` makes a reminder recorded once across instances.
public struct PostgresCardReminderRepository: CardReminderRepository {
    let storage: PostgresStorage
    let seal: PersonalDataSeal

    public init(storage: PostgresStorage, kek: KeyEncryptionKey) {
        self.storage = storage
        seal = PersonalDataSeal(kek: kek)
    }

    public func reminderCandidates(from: CardDate, through: CardDate, limit: Int) async throws -> [CardReminderCandidate] {
        let seal = seal
        let rows = try await storage.read("cannot read the cards due a reminder") { connection in
            var rows: [(String, Int64, String, Data, Data, String?)] = []
            for try await row in try await connection.query("""
                SELECT card.number, card.valid_through, holder.student_id, holder.sealed_name, holder.sealed_email,
                       (SELECT string_agg(kind, ',') FROM card_reminder r WHERE r.card_number = card.number AND r.valid_through = card.valid_through)
                FROM card JOIN holder ON holder.id = card.holder_id
                WHERE card.kind = 'digital' AND card.status = 'active' AND card.valid_through BETWEEN \(Int64(from.yyyymmdd)) AND \(Int64(through.yyyymmdd))
                  AND holder.reminders AND holder.status = 'active' AND holder.closed_at IS NULL AND holder.sealed_email IS NOT NULL
                ORDER BY card.valid_through, card.number LIMIT \(max(1, limit))
                """, logger: PostgresConnection.quiet).decode((String, Int64, String, Data, Data, String?).self) { rows.append(row) }
            return rows
        }
        return try rows.map { number, validThrough, studentID, sealedName, sealedEmail, sent in
            CardReminderCandidate(cardNumber: number, validThrough: try CardDate(yyyymmdd: Int(validThrough)),
                                  name: try seal.open(sealedName, field: "name", studentID: studentID),
                                  email: try seal.open(sealedEmail, field: "email", studentID: studentID),
                                  sent: Set((sent ?? "").split(separator: ",").compactMap { CardReminderKind(rawValue: String($0)) }))
        }
    }

    public func recordReminder(card: String, kind: CardReminderKind, validThrough: CardDate, mail: OutgoingMail, now: Int64) async throws -> Bool {
        let seal = seal
        return try await storage.transaction("cannot record the reminder") { connection in
            guard try await connection.run("""
                INSERT INTO card_reminder (card_number, kind, valid_through, sent_at)
                VALUES (\(card), \(kind.rawValue), \(Int64(validThrough.yyyymmdd)), \(now)) ON CONFLICT DO NOTHING
                """) == 1 else { return false }
            try await connection.enqueue(mail, now: now, seal: seal)
            return true
        }
    }
}
