import CardToken
import Foundation
import IssuerStore
import PostgresNIO

/// Reading and writing holder and card rows on PostgreSQL, shared by the
/// holder, session and card repositories.
enum PostgresHolderRows {
    static let holderColumns = """
        id, student_id, sealed_name, sealed_email, email_index, status, password_hash, created_at, updated_at,
        sealed_national_id, national_id_index, sealed_mobile, mobile_index, diploma_date, password_change_required
        """

    static let cardColumns = "number, holder_id, status, valid_through, status_reason, updated_at, kind"

    static func holders(_ rows: PostgresRowSequence) async throws -> [HolderRow] {
        var holders: [HolderRow] = []
        for try await row in rows.decode((Int64, String, Data, Data?, Data?, String, String?, Int64, Int64, Data?, Data?, Data?, Data?, Int64?, Bool).self) {
            holders.append(HolderRow(id: row.0, studentID: row.1, sealedName: row.2, sealedEmail: row.3, emailIndex: row.4, status: row.5,
                                     passwordHash: row.6, createdAt: row.7, updatedAt: row.8, sealedNationalID: row.9, nationalIDIndex: row.10,
                                     sealedMobile: row.11, mobileIndex: row.12, diplomaDate: row.13, passwordChangeRequired: row.14))
        }
        return holders
    }

    static func cards(_ rows: PostgresRowSequence) async throws -> [CardRow] {
        var cards: [CardRow] = []
        for try await row in rows.decode((String, Int64, String, Int64, String?, Int64, String).self) {
            cards.append(CardRow(number: row.0, holderID: row.1, status: row.2, validThrough: row.3, statusReason: row.4, updatedAt: row.5, kind: row.6))
        }
        return cards
    }

    static func holder(where condition: String, _ bind: some PostgresEncodable & Sendable, _ connection: PostgresConnection) async throws -> HolderRow? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(holderColumns) FROM holder WHERE \(condition) = $1")
        try query.binds.append(bind)
        return try await holders(try await connection.query(query, logger: PostgresConnection.quiet)).first
    }

    /// Inserts a holder; returns its new id.
    static func insert(_ row: HolderRow, _ connection: PostgresConnection) async throws -> Int64 {
        guard let id = try await connection.value("""
            INSERT INTO holder (student_id, sealed_name, sealed_email, email_index, status, password_hash, created_at, updated_at,
                                sealed_national_id, national_id_index, sealed_mobile, mobile_index, diploma_date, password_change_required)
            VALUES (\(row.studentID), \(row.sealedName), \(row.sealedEmail), \(row.emailIndex), \(row.status), \(row.passwordHash), \(row.createdAt),
                    \(row.updatedAt), \(row.sealedNationalID), \(row.nationalIDIndex), \(row.sealedMobile), \(row.mobileIndex), \(row.diplomaDate),
                    \(row.passwordChangeRequired))
            RETURNING id
            """, as: Int64.self) else { throw IssuerStoreError(.databaseUnavailable, "the new holder \(row.studentID) got no id") }
        return id
    }

    static func update(_ row: HolderRow, id: Int64, _ connection: PostgresConnection) async throws {
        try await connection.run("""
            UPDATE holder SET sealed_name = \(row.sealedName), sealed_email = \(row.sealedEmail), email_index = \(row.emailIndex),
                status = \(row.status), password_hash = \(row.passwordHash), updated_at = \(row.updatedAt),
                sealed_national_id = \(row.sealedNationalID), national_id_index = \(row.nationalIDIndex), sealed_mobile = \(row.sealedMobile),
                mobile_index = \(row.mobileIndex), diploma_date = \(row.diplomaDate), password_change_required = \(row.passwordChangeRequired)
            WHERE id = \(id)
            """)
    }

    static func insert(_ card: CardRow, _ connection: PostgresConnection) async throws {
        try await connection.run("""
            INSERT INTO card (number, holder_id, status, valid_through, status_reason, updated_at, kind)
            VALUES (\(card.number), \(card.holderID), \(card.status), \(card.validThrough), \(card.statusReason), \(card.updatedAt), \(card.kind))
            """)
    }

    static func update(_ card: CardRow, _ connection: PostgresConnection) async throws {
        try await connection.run("""
            UPDATE card SET holder_id = \(card.holderID), status = \(card.status), valid_through = \(card.validThrough),
                status_reason = \(card.statusReason), updated_at = \(card.updatedAt), kind = \(card.kind)
            WHERE number = \(card.number)
            """)
    }
}

/// ``RegistrarLookup`` from what an import's transaction read in bulk before
/// deciding: the holders, index owners and cards its file names.
struct PrefetchedRegistrarLookup: RegistrarLookup {
    var holders: [String: HolderRow] = [:]
    var owners: [HolderIndexColumn: [Data: String]] = [:]
    var cards: [String: CardRow] = [:]
    var studentIDs: [Int64: String] = [:]

    func holder(studentID: String) throws -> HolderRow? { holders[studentID] }
    func owner(of index: Data, in column: HolderIndexColumn) throws -> String? { owners[column]?[index] }
    func card(number: String) throws -> CardRow? { cards[number] }
    func studentID(holderID: Int64) throws -> String? { studentIDs[holderID] }

    /// Reads, in a few queries, everything `lines` can ask about.
    static func read(for lines: [RegistrarCSV.Line], seal: PersonalDataSeal, _ connection: PostgresConnection) async throws -> PrefetchedRegistrarLookup {
        let rows = lines.compactMap(\.row)
        var lookup = PrefetchedRegistrarLookup()
        let studentIDs = Array(Set(rows.map(\.studentID)))
        for holder in try await PostgresHolderRows.holders(try await connection.query("""
            SELECT \(unescaped: PostgresHolderRows.holderColumns) FROM holder WHERE student_id = ANY(\(studentIDs))
            """, logger: PostgresConnection.quiet)) {
            lookup.holders[holder.studentID] = holder
        }
        let indexes: [(HolderIndexColumn, [Data])] = [
            (.email, rows.compactMap { $0.emailGiven ? $0.email.map { seal.emailIndex($0) } : nil }),
            (.nationalID, rows.compactMap { $0.nationalID.map { seal.nationalIDIndex($0) } }),
            (.mobile, rows.compactMap { $0.mobile.map { seal.mobileIndex($0) } }),
        ]
        for (column, values) in indexes where !values.isEmpty {
            var query = PostgresQuery(unsafeSQL: "SELECT \(column.rawValue), student_id FROM holder WHERE \(column.rawValue) = ANY($1)")
            query.binds.append(values.map { ByteBuffer(bytes: $0) })
            var owners: [Data: String] = [:]
            for try await (index, studentID) in try await connection.query(query, logger: PostgresConnection.quiet).decode((Data, String).self) {
                owners[index] = studentID
            }
            lookup.owners[column] = owners
        }
        let numbers = Array(Set(rows.compactMap { $0.cardNumber?.rawValue }))
        for try await row in try await connection.query("""
            SELECT card.number, card.holder_id, card.status, card.valid_through, card.status_reason, card.updated_at, card.kind, holder.student_id
            FROM card JOIN holder ON holder.id = card.holder_id WHERE card.number = ANY(\(numbers))
            """, logger: PostgresConnection.quiet).decode((String, Int64, String, Int64, String?, Int64, String, String).self) {
            lookup.cards[row.0] = CardRow(number: row.0, holderID: row.1, status: row.2, validThrough: row.3, statusReason: row.4, updatedAt: row.5, kind: row.6)
            lookup.studentIDs[row.1] = row.7
        }
        return lookup
    }
}
