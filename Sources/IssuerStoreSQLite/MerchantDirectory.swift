import IssuerStore
import AccountRules
import Foundation
import GRDB

/// The partner merchants and their offers (alumni-api.md §8): public
/// listing and search, staff changes and the CSV import, every change
/// audited in its own transaction.
public struct MerchantDirectory: Sendable {
    public let database: AppDatabase

    public init(database: AppDatabase) { self.database = database }

    /// Offers listed on `day`, optionally of one category and matching
    /// `query` (folded by ``MerchantSearch/fold(_:)``), by English name.
    public func listed(on day: CalendarDay, category: String?, query: String?, limit: Int) throws(IssuerStoreError) -> [Merchant] {
        var sql = "SELECT * FROM merchant WHERE valid_from <= ? AND valid_until >= ?"
        var arguments: StatementArguments = [day.yyyymmdd, day.yyyymmdd]
        if let category {
            sql += " AND category = ?"
            _ = arguments.append(contentsOf: [category])
        }
        if let query, !query.isEmpty {
            sql += " AND instr(search_text, ?) > 0"
            _ = arguments.append(contentsOf: [MerchantSearch.fold(query)])
        }
        sql += " ORDER BY name_en COLLATE NOCASE, id LIMIT ?"
        _ = arguments.append(contentsOf: [limit])
        let query = sql, values = arguments
        return try database.read { db in try MerchantRecord.fetchAll(db, sql: query, arguments: values) }.compactMap(\.merchant)
    }

    /// Every merchant, listed or not, for staff.
    public func all() throws(IssuerStoreError) -> [Merchant] {
        try database.read { db in try MerchantRecord.order(Column("id")).fetchAll(db) }.compactMap(\.merchant)
    }

    public func merchant(id: String) throws(IssuerStoreError) -> Merchant? {
        try database.read { db in try MerchantRecord.fetchOne(db, key: id) }?.merchant
    }

    /// Adds a merchant; an id already taken is refused.
    public func create(_ merchant: Merchant, now: Int64, actor: String) throws(IssuerStoreError) {
        try database.write { db in
            guard try !MerchantRecord.exists(db, key: merchant.id) else {
                throw IssuerStoreError(.invalidChange, "there is already a merchant \(merchant.id); change it with PUT, or choose another merchant_id")
            }
            try MerchantRecord(merchant, createdAt: now, updatedAt: now).insert(db)
            try AuditEvent(at: now, actor: actor, action: "merchant_created", subject: merchant.id, detail: merchant.nameEnglish).insert(db)
        }
    }

    /// Replaces a merchant's every field.
    public func replace(_ merchant: Merchant, now: Int64, actor: String) throws(IssuerStoreError) {
        try database.write { db in
            guard let existing = try MerchantRecord.fetchOne(db, key: merchant.id) else {
                throw IssuerStoreError(.notFound, "there is no merchant \(merchant.id)")
            }
            try MerchantRecord(merchant, createdAt: existing.createdAt, updatedAt: now).update(db)
            try AuditEvent(at: now, actor: actor, action: "merchant_updated", subject: merchant.id, detail: merchant.nameEnglish).insert(db)
        }
    }

    public func delete(id: String, now: Int64, actor: String) throws(IssuerStoreError) {
        try database.write { db in
            guard try MerchantRecord.deleteOne(db, key: id) else { throw IssuerStoreError(.notFound, "there is no merchant \(id.prefix(64))") }
            try AuditEvent(at: now, actor: actor, action: "merchant_deleted", subject: id, detail: "").insert(db)
        }
    }

    /// Imports the directory's CSV (``MerchantCSV``) in one transaction:
    /// rows add or replace merchants by `merchant_id`; if any row is
    /// rejected, or for a dry run, nothing is written.
    public func importCSV(_ data: Data, now: Int64, actor: String, dryRun: Bool) throws(IssuerStoreError) -> MerchantImportReport {
        let lines = try MerchantCSV.parse(data)
        struct Rollback: Error { let report: MerchantImportReport }
        do {
            return try database.writer.write { db in
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
                    if let existing = try MerchantRecord.fetchOne(db, key: merchant.id) {
                        if existing.merchant == merchant {
                            rows.append(.init(line: line.number, merchantID: merchant.id, action: .unchanged, detail: ""))
                        } else {
                            try MerchantRecord(merchant, createdAt: existing.createdAt, updatedAt: now).update(db)
                            rows.append(.init(line: line.number, merchantID: merchant.id, action: .updated, detail: merchant.nameEnglish))
                        }
                    } else {
                        try MerchantRecord(merchant, createdAt: now, updatedAt: now).insert(db)
                        rows.append(.init(line: line.number, merchantID: merchant.id, action: .created, detail: merchant.nameEnglish))
                    }
                }
                let rejected = rows.contains { $0.action == .rejected }
                let report = MerchantImportReport(rows: rows, applied: !rejected && !dryRun)
                if !report.applied { throw Rollback(report: report) }
                try AuditEvent(at: now, actor: actor, action: "merchants_imported", subject: nil, detail: report.summary).insert(db)
                return report
            }
        } catch let rollback as Rollback {
            return rollback.report
        } catch {
            throw .wrapping(error, "cannot import the merchants")
        }
    }
}

struct MerchantRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "merchant"
    var id: String
    var nameZh: String
    var nameEn: String
    var category: String
    var address: String
    var phone: String?
    var url: String?
    var offerZh: String
    var offerEn: String
    var validFrom: Int
    var validUntil: Int
    var searchText: String
    var createdAt: Int64
    var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, category, address, phone, url
        case nameZh = "name_zh"
        case nameEn = "name_en"
        case offerZh = "offer_zh"
        case offerEn = "offer_en"
        case validFrom = "valid_from"
        case validUntil = "valid_until"
        case searchText = "search_text"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    init(_ merchant: Merchant, createdAt: Int64, updatedAt: Int64) {
        id = merchant.id
        nameZh = merchant.nameChinese
        nameEn = merchant.nameEnglish
        category = merchant.category
        address = merchant.address
        phone = merchant.phone
        url = merchant.url
        offerZh = merchant.offerChinese
        offerEn = merchant.offerEnglish
        validFrom = merchant.validFrom.yyyymmdd
        validUntil = merchant.validUntil.yyyymmdd
        searchText = merchant.searchText
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The merchant, or nil for a row whose dates do not read (the table's
    /// CHECKs make that impossible; skipped rather than failing a listing).
    var merchant: Merchant? {
        guard let from = try? CalendarDay(yyyymmdd: validFrom), let until = try? CalendarDay(yyyymmdd: validUntil) else { return nil }
        return Merchant(stored: id, nameChinese: nameZh, nameEnglish: nameEn, category: category, address: address, phone: phone, url: url,
                        offerChinese: offerZh, offerEnglish: offerEn, validFrom: from, validUntil: until)
    }
}

