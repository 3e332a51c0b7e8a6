import AccountRules
import Foundation
import IssuerStore
import PostgresNIO

/// ``MerchantRepository`` on PostgreSQL: the same rules as the SQLite
/// directory, with a taken ID refused by the primary key itself, so of two
/// racing creations one wins whichever instance runs them.
public struct PostgresMerchantRepository: MerchantRepository {
    let storage: PostgresStorage

    public init(storage: PostgresStorage) { self.storage = storage }

    static let columns = "id, name_zh, name_en, category, address, phone, url, offer_zh, offer_en, valid_from, valid_until"

    static func merchants(_ rows: PostgresRowSequence) async throws -> [Merchant] {
        var merchants: [Merchant] = []
        for try await row in rows.decode((String, String, String, String, String, String?, String?, String, String, Int, Int).self) {
            // The table's CHECKs keep the dates readable; a row that is not is skipped rather than failing a listing.
            guard let from = try? CalendarDay(yyyymmdd: row.9), let until = try? CalendarDay(yyyymmdd: row.10) else { continue }
            merchants.append(Merchant(stored: row.0, nameChinese: row.1, nameEnglish: row.2, category: row.3, address: row.4, phone: row.5, url: row.6,
                                      offerChinese: row.7, offerEnglish: row.8, validFrom: from, validUntil: until))
        }
        return merchants
    }

    public func listed(on day: CalendarDay, category: String?, query: String?, limit: Int) async throws -> [Merchant] {
        let folded = query.flatMap { $0.isEmpty ? nil : MerchantSearch.fold($0) }
        return try await storage.read("cannot list the merchants") { connection in
            try await Self.merchants(try await connection.query("""
                SELECT id, name_zh, name_en, category, address, phone, url, offer_zh, offer_en, valid_from, valid_until FROM merchant
                WHERE valid_from <= \(day.yyyymmdd) AND valid_until >= \(day.yyyymmdd)
                  AND (\(category)::text IS NULL OR category = \(category))
                  AND (\(folded)::text IS NULL OR strpos(search_text, \(folded)) > 0)
                ORDER BY lower(name_en), id LIMIT \(limit)
                """, logger: PostgresConnection.quiet))
        }
    }

    public func all() async throws -> [Merchant] {
        try await storage.read("cannot list the merchants") { connection in
            try await Self.merchants(try await connection.query("""
                SELECT id, name_zh, name_en, category, address, phone, url, offer_zh, offer_en, valid_from, valid_until FROM merchant ORDER BY id
                """, logger: PostgresConnection.quiet))
        }
    }

    public func merchant(id: String) async throws -> Merchant? {
        try await storage.read("cannot read the merchant") { connection in
            try await Self.merchants(try await connection.query("""
                SELECT id, name_zh, name_en, category, address, phone, url, offer_zh, offer_en, valid_from, valid_until FROM merchant WHERE id = \(id)
                """, logger: PostgresConnection.quiet)).first
        }
    }

    public func create(_ merchant: Merchant, now: Int64, actor: String) async throws {
        try await storage.transaction("cannot add the merchant") { connection in
            guard try await Self.insert(merchant, createdAt: now, connection) else {
                throw IssuerStoreError(.invalidChange, "there is already a merchant \(merchant.id); change it with PUT, or choose another merchant_id")
            }
            try await connection.audit(at: now, actor: actor, action: "merchant_created", subject: merchant.id, detail: merchant.nameEnglish)
        }
    }

    public func replace(_ merchant: Merchant, now: Int64, actor: String) async throws {
        try await storage.transaction("cannot change the merchant") { connection in
            guard try await Self.update(merchant, now: now, connection) else { throw IssuerStoreError(.notFound, "there is no merchant \(merchant.id)") }
            try await connection.audit(at: now, actor: actor, action: "merchant_updated", subject: merchant.id, detail: merchant.nameEnglish)
        }
    }

    public func delete(id: String, now: Int64, actor: String) async throws {
        try await storage.transaction("cannot delete the merchant") { connection in
            guard try await connection.run("DELETE FROM merchant WHERE id = \(id)") == 1 else {
                throw IssuerStoreError(.notFound, "there is no merchant \(id.prefix(64))")
            }
            try await connection.audit(at: now, actor: actor, action: "merchant_deleted", subject: id, detail: "")
        }
    }

    /// All or nothing, as on SQLite; the rows it reads are locked, so a
    /// concurrent change waits for the import instead of being overwritten.
    public func importCSV(_ data: Data, now: Int64, actor: String, dryRun: Bool) async throws -> MerchantImportReport {
        let lines = try MerchantCSV.parse(data)
        struct Rollback: Error { let report: MerchantImportReport }
        do {
            return try await storage.transaction("cannot import the merchants") { connection in
                var rows: [MerchantImportReport.Row] = []
                var seen: [String: Int] = [:]
                for line in lines {
                    guard let merchant = line.merchant else {
                        rows.append(.init(line: line.number, merchantID: line.merchantID, action: .rejected, detail: line.problem ?? "unreadable"))
                        continue
                    }
                    if let earlier = seen[merchant.id] {
                        rows.append(.init(line: line.number, merchantID: merchant.id, action: .rejected,
                                          detail: "merchant \(merchant.id) is also on line \(earlier); a merchant appears once per file"))
                        continue
                    }
                    seen[merchant.id] = line.number
                    let existing = try await Self.merchants(try await connection.query("""
                        SELECT id, name_zh, name_en, category, address, phone, url, offer_zh, offer_en, valid_from, valid_until FROM merchant
                        WHERE id = \(merchant.id) FOR UPDATE
                        """, logger: PostgresConnection.quiet)).first
                    if let existing {
                        if existing == merchant {
                            rows.append(.init(line: line.number, merchantID: merchant.id, action: .unchanged, detail: ""))
                        } else {
                            _ = try await Self.update(merchant, now: now, connection)
                            rows.append(.init(line: line.number, merchantID: merchant.id, action: .updated, detail: merchant.nameEnglish))
                        }
                    } else {
                        guard try await Self.insert(merchant, createdAt: now, connection) else {
                            throw IssuerStoreError(.databaseBusy, "cannot import the merchants: merchant \(merchant.id) was added meanwhile; import again")
                        }
                        rows.append(.init(line: line.number, merchantID: merchant.id, action: .created, detail: merchant.nameEnglish))
                    }
                }
                let rejected = rows.contains { $0.action == .rejected }
                let report = MerchantImportReport(rows: rows, applied: !rejected && !dryRun)
                if !report.applied { throw Rollback(report: report) }
                try await connection.audit(at: now, actor: actor, action: "merchants_imported", subject: nil, detail: report.summary)
                return report
            }
        } catch let rollback as Rollback {
            return rollback.report
        }
    }

    /// Inserts unless the ID is taken; false when it was.
    static func insert(_ merchant: Merchant, createdAt now: Int64, _ connection: PostgresConnection) async throws -> Bool {
        try await connection.run("""
            INSERT INTO merchant (id, name_zh, name_en, category, address, phone, url, offer_zh, offer_en, valid_from, valid_until, search_text,
                                  created_at, updated_at)
            VALUES (\(merchant.id), \(merchant.nameChinese), \(merchant.nameEnglish), \(merchant.category), \(merchant.address), \(merchant.phone),
                    \(merchant.url), \(merchant.offerChinese), \(merchant.offerEnglish), \(merchant.validFrom.yyyymmdd), \(merchant.validUntil.yyyymmdd),
                    \(merchant.searchText), \(now), \(now))
            ON CONFLICT (id) DO NOTHING
            """) == 1
    }

    static func update(_ merchant: Merchant, now: Int64, _ connection: PostgresConnection) async throws -> Bool {
        try await connection.run("""
            UPDATE merchant SET name_zh = \(merchant.nameChinese), name_en = \(merchant.nameEnglish), category = \(merchant.category),
                address = \(merchant.address), phone = \(merchant.phone), url = \(merchant.url), offer_zh = \(merchant.offerChinese),
                offer_en = \(merchant.offerEnglish), valid_from = \(merchant.validFrom.yyyymmdd), valid_until = \(merchant.validUntil.yyyymmdd),
                search_text = \(merchant.searchText), updated_at = \(now)
            WHERE id = \(merchant.id)
            """) == 1
    }
}
