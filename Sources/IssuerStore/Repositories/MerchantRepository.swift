import AccountRules
import Foundation

/// The partner-merchant directory as the services see it, whatever holds
/// it (issue #26: one protocol per aggregate). Every method is one
/// transaction and writes its own audit row; refusals are
/// ``IssuerStoreError``s (`invalidChange` for a taken ID, `notFound`).
/// Every backend passes `MerchantRepositoryConformanceTests`.
public protocol MerchantRepository: Sendable {
    /// Offers listed on `day`, optionally of one category and matching `query`, by English name.
    func listed(on day: CalendarDay, category: String?, query: String?, limit: Int) async throws -> [Merchant]
    /// Every merchant, listed or not, by ID.
    func all() async throws -> [Merchant]
    func merchant(id: String) async throws -> Merchant?
    /// Adds a merchant; an ID already taken is refused, and of two racing creations one wins.
    func create(_ merchant: Merchant, now: Int64, actor: String) async throws
    /// Replaces every field of an existing merchant.
    func replace(_ merchant: Merchant, now: Int64, actor: String) async throws
    func delete(id: String, now: Int64, actor: String) async throws
    /// The CSV import, all or nothing (``MerchantCSV``).
    func importCSV(_ data: Data, now: Int64, actor: String, dryRun: Bool) async throws -> MerchantImportReport
}
