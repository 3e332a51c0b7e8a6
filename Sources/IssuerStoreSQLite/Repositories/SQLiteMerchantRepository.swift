import AccountRules
import Foundation
import IssuerStore

/// ``MerchantRepository`` on the SQLite database: the directory's GRDB
/// calls, run on the database threads (reads beside, writes through the
/// write gate), never on the cooperative pool.
public struct SQLiteMerchantRepository: MerchantRepository {
    let directory: MerchantDirectory
    let threads: DatabaseThreads

    public init(database: AppDatabase, threads: DatabaseThreads) {
        directory = MerchantDirectory(database: database)
        self.threads = threads
    }

    public func listed(on day: CalendarDay, category: String?, query: String?, limit: Int) async throws -> [Merchant] {
        let directory = directory
        return try await threads.read { try directory.listed(on: day, category: category, query: query, limit: limit) }
    }

    public func all() async throws -> [Merchant] {
        let directory = directory
        return try await threads.read { try directory.all() }
    }

    public func merchant(id: String) async throws -> Merchant? {
        let directory = directory
        return try await threads.read { try directory.merchant(id: id) }
    }

    public func create(_ merchant: Merchant, now: Int64, actor: String) async throws {
        let directory = directory
        try await threads.write { try directory.create(merchant, now: now, actor: actor) }
    }

    public func replace(_ merchant: Merchant, now: Int64, actor: String) async throws {
        let directory = directory
        try await threads.write { try directory.replace(merchant, now: now, actor: actor) }
    }

    public func delete(id: String, now: Int64, actor: String) async throws {
        let directory = directory
        try await threads.write { try directory.delete(id: id, now: now, actor: actor) }
    }

    public func importCSV(_ data: Data, now: Int64, actor: String, dryRun: Bool) async throws -> MerchantImportReport {
        let directory = directory
        return try await threads.write { try directory.importCSV(data, now: now, actor: actor, dryRun: dryRun) }
    }
}
