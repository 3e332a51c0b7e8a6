import AccountRules
import DaemonSupport
import Foundation
import HTTPTypes
import Hummingbird
import IssuerCore
import IssuerStore
import IssuerWeb

/// The partner-merchant directory page (`/merchants?category=&q=`), open
/// to everyone, through the same query and listing as `GET /v1/merchants`.
struct DirectoryPageController: Sendable {
    let merchantDirectory: MerchantService
    let pages: WebPages

    func addRoutes(to group: RouterGroup<IssuerRequestContext>) {
        group.get("merchants", use: directory)
    }

    @Sendable func directory(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let catalogue = visit.catalogue, english = visit.language == .english
        var errors: [(field: String?, text: String)] = []
        let query: MerchantController.Query
        do {
            query = try MerchantController.Query(request.uri.queryParameters, allowed: ["category", "q"])
        } catch let refusal as any ClientRefusal {
            let error = refusal.answer
            errors.append((nil, WebPages.text(for: error, visit)))
            query = MerchantController.Query()
        }
        let listed = try await merchantDirectory.listed(query)
        // The filter offers the categories that have offers today.
        let all = query.category == nil && query.text == nil ? listed : try await self.merchantDirectory.listed(.init(limit: 500))
        let categories = Set(all.map(\.category)).sorted().map { slug -> [String: Any] in
            ["value": slug, "label": catalogue.texts["category_\(slug)"] ?? slug, "selected": slug == query.category]
        }
        let merchants = listed.map { merchant -> [String: Any] in
            var row: [String: Any] = [
                "name": english ? merchant.nameEnglish : merchant.nameChinese,
                "category": catalogue.texts["category_\(merchant.category)"] ?? merchant.category,
                "offer": english ? merchant.offerEnglish : merchant.offerChinese,
                "until": catalogue.text("merchants_until", ["date": merchant.validUntil.description]),
                "address": merchant.address,
            ]
            if let phone = merchant.phone { row["phone"] = phone }
            if let url = merchant.url { row["url"] = url }
            return row
        }
        var values = WebPages.errorValues(errors)
        values["categories"] = categories
        values["merchants"] = merchants
        values["has_merchants"] = !merchants.isEmpty
        values["q"] = query.text ?? ""
        values["count_text"] = catalogue.text("merchants_count", ["count": String(listed.count)])
        values["signed_in"] = visit.sessionToken != nil
        return pages.page("merchants", visit, status: errors.isEmpty ? .ok : .badRequest, values: values, cacheControl: "no-cache")
    }
}
