import AccountRules
import Foundation
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import TestSupport
import Testing

/// Issue #26, item 4: one behaviour suite over a repository protocol, run
/// against every backend. A new backend joins by one case of `StorageBackend`.
/// Merchants are the first aggregate behind a protocol; the others follow.
@Suite("Merchant repository: every backend behaves alike")
struct MerchantRepositoryConformanceTests {
    typealias Backend = StorageBackend

    static func make(_ backend: Backend) async throws -> (any MerchantRepository, any AuditRepository) {
        let store = try await backend.store()
        return (store.merchants(), store.audit())
    }

    static let day = try! CalendarDay(year: 2027, month: 1, day: 15)

    static func merchant(_ id: String, name: String = "Mellow Café", category: String = "cafe", until: CalendarDay = try! CalendarDay(year: 2027, month: 12, day: 31)) throws -> Merchant {
        try Merchant(id: id, nameChinese: "慢活咖啡館", nameEnglish: name, category: category, address: "臺北市大安區羅斯福路四段 1 號", phone: nil, url: nil,
                     offerChinese: "飲品九折", offerEnglish: "10% off drinks", validFrom: try CalendarDay(year: 2026, month: 1, day: 1), validUntil: until)
    }

    static func code(_ body: () async throws -> Void) async -> IssuerStoreError.Code? {
        do { try await body(); return nil } catch let error as IssuerStoreError { return error.code } catch { return nil }
    }

    @Test(arguments: Backend.allCases)
    func createdMerchantsAreListedFoundAndAuditedAndATakenIDIsRefused(backend: Backend) async throws {
        let (merchants, audit) = try await Self.make(backend)
        try await merchants.create(try Self.merchant("mellow-cafe"), now: 100, actor: "admin:ops")
        try await merchants.create(try Self.merchant("old-books", name: "Old Books", category: "books",
                                                    until: try CalendarDay(year: 2026, month: 12, day: 31)), now: 100, actor: "admin:ops")
        #expect(try await merchants.all().map(\.id) == ["mellow-cafe", "old-books"])
        #expect(try await merchants.listed(on: Self.day, category: nil, query: nil, limit: 10).map(\.id) == ["mellow-cafe"], "an ended offer is not listed")
        #expect(try await merchants.listed(on: Self.day, category: "cafe", query: "ＭＥＬＬＯＷ", limit: 10).map(\.id) == ["mellow-cafe"], "width and case fold")
        #expect(try await merchants.merchant(id: "mellow-cafe")?.nameEnglish == "Mellow Café")
        #expect(try await merchants.merchant(id: "nobody") == nil)
        #expect(await Self.code { try await merchants.create(try Self.merchant("mellow-cafe"), now: 101, actor: "admin:ops") } == .invalidChange)
        let created = try await audit.recent(limit: 10).filter { $0.action == "merchant_created" }
        #expect(created.count == 2 && created.allSatisfy { $0.actor == "admin:ops" })
    }

    @Test(arguments: Backend.allCases)
    func replaceAndDeleteChangeOnlyWhatExists(backend: Backend) async throws {
        let (merchants, _) = try await Self.make(backend)
        #expect(await Self.code { try await merchants.replace(try Self.merchant("ghost"), now: 100, actor: "admin:ops") } == .notFound)
        #expect(await Self.code { try await merchants.delete(id: "ghost", now: 100, actor: "admin:ops") } == .notFound)
        try await merchants.create(try Self.merchant("mellow-cafe"), now: 100, actor: "admin:ops")
        try await merchants.replace(try Self.merchant("mellow-cafe", name: "Mellow Coffee"), now: 200, actor: "admin:ops")
        #expect(try await merchants.merchant(id: "mellow-cafe")?.nameEnglish == "Mellow Coffee")
        try await merchants.delete(id: "mellow-cafe", now: 300, actor: "admin:ops")
        #expect(try await merchants.all().isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func anImportWithABadRowWritesNothingAndAGoodOneWritesEveryRow(backend: Backend) async throws {
        let (merchants, _) = try await Self.make(backend)
        let header = "merchant_id,name_zh,name_en,category,address,phone,url,offer_zh,offer_en,valid_from,valid_until\n"
        let good = "mellow-cafe,慢活咖啡館,Mellow Café,cafe,臺北市大安區羅斯福路四段 1 號,,,飲品九折,10% off drinks,2026-01-01,2027-12-31\n"
        let bad = "Bad ID!,壞,Bad,cafe,臺北市,,,無,none,2026-01-01,2027-12-31\n"
        let refused = try await merchants.importCSV(Data((header + good + bad).utf8), now: 100, actor: "cli:ops", dryRun: false)
        #expect(!refused.applied && refused.rows.last?.action == .rejected)
        #expect(try await merchants.all().isEmpty, "nothing of a refused file is written")
        let dry = try await merchants.importCSV(Data((header + good).utf8), now: 100, actor: "cli:ops", dryRun: true)
        let afterDryRun = try await merchants.all()
        #expect(!dry.applied && afterDryRun.isEmpty)
        #expect(try await merchants.importCSV(Data((header + good).utf8), now: 100, actor: "cli:ops", dryRun: false).applied)
        #expect(try await merchants.all().map(\.id) == ["mellow-cafe"])
    }

    @Test(arguments: Backend.allCases)
    func ofTwoRacingCreationsOfOneIDExactlyOneWins(backend: Backend) async throws {
        let (merchants, _) = try await Self.make(backend)
        let merchant = try Self.merchant("mellow-cafe")
        let outcomes = await withTaskGroup(of: IssuerStoreError.Code?.self) { group in
            for _ in 0..<8 { group.addTask { await Self.code { try await merchants.create(merchant, now: 100, actor: "admin:ops") } } }
            return await group.reduce(into: [IssuerStoreError.Code?]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == nil }.count == 1 && outcomes.filter { $0 == .invalidChange }.count == 7, "\(outcomes)")
    }
}
