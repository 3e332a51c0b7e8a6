import AccountRules
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import Testing
import TestSupport

/// The partner merchants' offers (alumni-api.md §8): listing and search in
/// both languages, staff changes and the all-or-nothing CSV import.
@Suite("Merchant directory")
struct MerchantDirectoryTests {
    static let header = "merchant_id,name_zh,name_en,category,address,phone,url,offer_zh,offer_en,valid_from,valid_until\n"
    static let rows = """
        mellow-cafe,慢活咖啡館,Mellow Café,cafe,臺北市大安區羅斯福路四段 1 號,+886 2 2363 0000,https://example.com/mellow,飲品九折,10% off drinks,2026-01-01,2027-12-31
        riverside-books,河岸書店,Riverside Books,books,臺北市中正區汀州路三段 2 號,,,書籍八五折,15% off books,2026-01-01,2027-12-31
        noodle-house,老街麵館,Old Street Noodles,food,臺北市大安區溫州街 3 號,,,每碗折二十元,NT$20 off a bowl of noodles,2026-01-01,2027-12-31
        gone-coffee,昨日咖啡,Yesterday Coffee,cafe,臺北市大安區新生南路 4 號,,,咖啡買一送一,Buy one coffee get one,2025-01-01,2026-12-31

        """

    static func search(_ client: some TestClientProtocol, _ query: String) async throws -> [String] {
        let answer = try await client.send(.get, "/v1/merchants?" + query, bearer: nil)
        #expect(answer.status == .ok, "\(query): \(String(buffer: answer.body))")
        return try #require(try jsonObject(answer.body)["merchants"] as? [[String: Any]]).compactMap { $0["merchant_id"] as? String }
    }

    static func importCSV(_ client: some TestClientProtocol, _ text: String, token: String = IssuerHarness.adminToken) async throws -> TestResponse {
        try await client.execute(uri: "/v1/admin/merchants/import", method: .post,
                                 headers: [.contentType: "text/csv", .authorization: "Bearer \(token)"], body: ByteBuffer(string: text)) { $0 }
    }

    @Test func listingSearchesBothLanguagesByCategoryAndHidesEndedOffers() async throws {
        let harness = try await IssuerHarness() // 2027-01-15: "gone-coffee" ended on 2026-12-31
        let results = try await harness.application.test(.router) { client in
            let imported = try await Self.importCSV(client, Self.header + Self.rows)
            #expect(imported.status == .ok, "\(String(buffer: imported.body))")
            var results: [String: [String]] = [:]
            for query in ["", "category=cafe", "q=咖啡", "q=書店", "q=%E6%9B%B8", "q=CAFÉ", "q=mellow%20cafe", "q=%EF%BC%AD%EF%BD%85%EF%BD%8C%EF%BD%8C%EF%BD%8F%EF%BD%97",
                          "q=noodles&category=food", "q=noodles&category=cafe", "q=%E7%BE%85%E6%96%AF%E7%A6%8F", "q=nothing-like-this"] {
                results[query] = try await Self.search(client, query)
            }
            let full = try jsonObject(try await client.send(.get, "/v1/merchants?q=mellow", bearer: nil).body)
            return (results, full)
        }
        let (found, full) = results
        // By English name: Mellow Café, Old Street Noodles, Riverside Books.
        #expect(found[""] == ["mellow-cafe", "noodle-house", "riverside-books"])
        #expect(found["category=cafe"] == ["mellow-cafe"], "the ended cafe offer is not listed")
        #expect(found["q=咖啡"] == ["mellow-cafe"], "a two-character Chinese query")
        #expect(found["q=書店"] == ["riverside-books"])
        #expect(found["q=%E6%9B%B8"] == ["riverside-books"], "one character (書)")
        #expect(found["q=CAFÉ"] == ["mellow-cafe"], "English, any case")
        #expect(found["q=mellow%20cafe"] == ["mellow-cafe"])
        #expect(found["q=%EF%BC%AD%EF%BD%85%EF%BD%8C%EF%BD%8C%EF%BD%8F%EF%BD%97"] == ["mellow-cafe"], "full-width Ｍｅｌｌｏｗ")
        #expect(found["q=noodles&category=food"] == ["noodle-house"])
        #expect(found["q=noodles&category=cafe"] == [])
        #expect(found["q=%E7%BE%85%E6%96%AF%E7%A6%8F"] == ["mellow-cafe"], "the address (羅斯福)")
        #expect(found["q=nothing-like-this"] == [])
        let merchant = try #require((full["merchants"] as? [[String: Any]])?.first)
        #expect((merchant["name"] as? [String: String]) == ["zh-Hant": "慢活咖啡館", "en": "Mellow Café"])
        #expect((merchant["offer"] as? [String: String])?["en"] == "10% off drinks")
        #expect(merchant["phone"] as? String == "+886 2 2363 0000" && merchant["url"] as? String == "https://example.com/mellow")
        #expect(merchant["valid_from"] as? String == "2026-01-01" && merchant["valid_until"] as? String == "2027-12-31")
    }

    @Test func anImportWithABadRowWritesNothingAndSaysWhichRow() async throws {
        let harness = try await IssuerHarness()
        let bad = Self.rows + "broken-row,壞掉的店,Broken,Not A Category,地址,,,優惠,Offer,2026-01-01,2027-12-31\n"
            + "late-dates,日期錯,Wrong Dates,food,地址,,,優惠,Offer,2027-12-31,2026-01-01\n"
        let (answer, listed, dryRun, afterDryRun) = try await harness.application.test(.router) { client in
            let answer = try await Self.importCSV(client, Self.header + bad)
            let listed = try await Self.search(client, "")
            let dryRun = try await client.execute(uri: "/v1/admin/merchants/import?dry_run=true", method: .post,
                                                  headers: [.contentType: "text/csv", .authorization: "Bearer \(IssuerHarness.adminToken)"],
                                                  body: ByteBuffer(string: Self.header + Self.rows)) { $0 }
            return (answer, listed, dryRun, try await Self.search(client, ""))
        }
        #expect(answer.status == .unprocessableContent)
        let report = try jsonObject(answer.body)
        #expect(report["applied"] as? Bool == false)
        let rejected = try #require(report["rows"] as? [[String: Any]]).filter { $0["action"] as? String == "rejected" }
        #expect(rejected.map { $0["line"] as? Int } == [6, 7])
        #expect((rejected.first?["detail"] as? String)?.contains("category") == true)
        #expect((rejected.last?["detail"] as? String)?.contains("valid_until") == true)
        #expect(listed.isEmpty, "nothing was written")
        #expect(dryRun.status == .ok)
        let dryReport = try jsonObject(dryRun.body)
        #expect(dryReport["applied"] as? Bool == false)
        #expect(afterDryRun.isEmpty)
        #expect(try await harness.services.repositories.merchants.all().isEmpty)
    }

    @Test func staffChangeMerchantsByRoleAndEveryChangeIsAudited() async throws {
        let harness = try await IssuerHarness()
        let reviewer = try harness.staffToken(.reviewer), operatorToken = try harness.staffToken(.operator)
        nonisolated(unsafe) let merchant: [String: Any] = [
            "merchant_id": "tea-corner", "name": ["zh-Hant": "茶角落", "en": "Tea Corner"], "category": "cafe", "address": "臺北市大安區 5 號",
            "offer": ["zh-Hant": "茶飲九折", "en": "10% off tea"], "valid_from": "2027-01-01", "valid_until": "2027-06-30",
        ]
        let outcome = try await harness.application.test(.router) { client in
            let refused = try await client.send(.post, "/v1/admin/merchants", bearer: reviewer, json: merchant)
            let created = try await client.send(.post, "/v1/admin/merchants", bearer: operatorToken, json: merchant)
            let duplicate = try await client.send(.post, "/v1/admin/merchants", bearer: operatorToken, json: merchant)
            var changed = merchant
            changed["offer"] = ["zh-Hant": "茶飲八折", "en": "20% off tea"]
            let replaced = try await client.send(.put, "/v1/admin/merchants/tea-corner", bearer: operatorToken, json: changed)
            let mismatched = try await client.send(.put, "/v1/admin/merchants/other-id", bearer: operatorToken, json: changed)
            var invalid = merchant
            invalid["url"] = "javascript:alert(1)"
            let badURL = try await client.send(.post, "/v1/admin/merchants", bearer: operatorToken, json: invalid.merging(["merchant_id": "x-1"]) { $1 })
            let listed = try jsonObject(try await client.send(.get, "/v1/merchants?q=tea", bearer: nil).body)
            let deleted = try await client.send(.delete, "/v1/admin/merchants/tea-corner", bearer: operatorToken)
            let again = try await client.send(.delete, "/v1/admin/merchants/tea-corner", bearer: operatorToken)
            return (refused, created, duplicate, replaced, mismatched, badURL, listed, deleted, again)
        }
        #expect(outcome.0.status == .forbidden)
        #expect(outcome.1.status == .created)
        #expect(outcome.2.status == .conflict)
        #expect(outcome.3.status == .ok)
        #expect(outcome.4.status == .unprocessableContent)
        #expect(outcome.5.status == .unprocessableContent)
        let badURL = try jsonObject(outcome.5.body)
        #expect((badURL["error"] as? [String: Any])?["field"] as? String == "url")
        #expect(((outcome.6["merchants"] as? [[String: Any]])?.first?["offer"] as? [String: String])?["en"] == "20% off tea")
        #expect(outcome.7.status == .noContent)
        #expect(outcome.8.status == .notFound)
        let actions = try harness.services.audit.recent(limit: 10).map(\.action)
        #expect(actions.contains("merchant_created") && actions.contains("merchant_updated") && actions.contains("merchant_deleted"))
    }

    @Test func badQueriesAreRefusedClearly() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            for query in ["category=Caf%C3%A9", "q=" + String(repeating: "a", count: 65), "limit=0", "limit=x", "sort=name", "q=%00"] {
                let answer = try await client.send(.get, "/v1/merchants?" + query, bearer: nil)
                #expect(answer.status == .badRequest, "\(query)")
            }
        }
    }

    @Test func searchTextIsFoldedOnce() {
        #expect(MerchantSearch.fold("  Ｍｅｌｌｏｗ\tCAFÉ  ") == "mellow cafe")
        #expect(MerchantSearch.fold("Crème Brûlée") == "creme brulee")
        #expect(MerchantSearch.fold("慢活咖啡館") == "慢活咖啡館")
    }
}
