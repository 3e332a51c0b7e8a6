import Clocks
import Foundation
import IssuerStore

/// The partner-merchant directory (alumni-api.md §8): the public list of
/// offers running today, and staff's changes, each audited under the
/// actor who made it. The API, the directory page and the console call it.
package struct MerchantService: Sendable {
    package let merchants: any MerchantRepository
    package let calendar: ReviewCalendar
    package let clock: IssuerClock

    package init(merchants: any MerchantRepository, calendar: ReviewCalendar, clock: IssuerClock) {
        self.merchants = merchants
        self.calendar = calendar
        self.clock = clock
    }

    /// The merchants whose offers run today (in the centre's time zone) that match.
    package func listed(category: String?, text: String?, limit: Int) async throws -> [Merchant] {
        try await merchants.listed(on: calendar.day(of: clock.now()), category: category, query: text, limit: limit)
    }

    /// Every merchant, listed or not (staff).
    package func all() async throws -> [Merchant] {
        try await merchants.all()
    }

    package func create(_ merchant: Merchant, actor: String) async throws {
        do {
            try await merchants.create(merchant, now: clock.now(), actor: actor)
        } catch let error as IssuerStoreError where error.code == .invalidChange {
            throw IssuerError(.conflict, code: "conflict", error.message)
        }
    }

    package func replace(_ merchant: Merchant, actor: String) async throws {
        try await merchants.replace(merchant, now: clock.now(), actor: actor)
    }

    package func delete(id: String, actor: String) async throws {
        try await merchants.delete(id: id, now: clock.now(), actor: actor)
    }

    /// Replaces the directory with a CSV file (docs/merchants.md), or says what it would do.
    package func importCSV(_ data: Data, actor: String, dryRun: Bool) async throws -> MerchantImportReport {
        do {
            return try await merchants.importCSV(data, now: clock.now(), actor: actor, dryRun: dryRun)
        } catch let error as IssuerStoreError where error.code == .invalidChange {
            throw IssuerError(.invalidValue, code: "invalid_csv", error.message)
        }
    }
}
