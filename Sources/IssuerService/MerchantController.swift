import AccountRules
import Clocks
import DaemonSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import IssuerCore
import IssuerStore

/// The merchant directory (alumni-api.md §8): the public listing at
/// `/v1/merchants`, staff changes and the CSV import under `/v1/admin/merchants`.
struct MerchantController: Sendable {
    let merchantDirectory: MerchantService
    let authentication: SessionAuthentication
    let configuration: IssuerConfiguration

    func addRoutes(to v1: RouterGroup<IssuerRequestContext>, admin: RouterGroup<IssuerRequestContext>) {
        v1.get("merchants", use: listed)
        admin.administrators(authentication, minimum: .auditor).get("merchants", use: all)
        let operators = admin.administrators(authentication, minimum: .operator)
        operators.post("merchants", use: create)
        operators.post("merchants/import", use: importCSV)
        operators.put("merchants/:id", use: replace)
        operators.delete("merchants/:id", use: delete)
    }

    struct Texts: Codable {
        let chinese: String
        let english: String

        enum CodingKeys: String, CodingKey {
            case chinese = "zh-Hant"
            case english = "en"
        }
    }

    /// A merchant as the API reads and writes it (alumni-api.md §8). In a
    /// request `merchant_id` may be absent (POST makes one up); in an
    /// answer it is always there.
    struct Body: Codable {
        let merchantID: String?
        let name: Texts
        let category: String
        let address: String
        let phone: String?
        let url: String?
        let offer: Texts
        let validFrom: String
        let validUntil: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, category, address, phone, url, offer
            case merchantID = "merchant_id"
            case validFrom = "valid_from"
            case validUntil = "valid_until"
        }

        static let keys = Set(CodingKeys.allCases.map(\.rawValue))

        init(_ merchant: Merchant) {
            merchantID = merchant.id
            name = Texts(chinese: merchant.nameChinese, english: merchant.nameEnglish)
            category = merchant.category
            address = merchant.address
            phone = merchant.phone
            url = merchant.url
            offer = Texts(chinese: merchant.offerChinese, english: merchant.offerEnglish)
            validFrom = merchant.validFrom.description
            validUntil = merchant.validUntil.description
        }
    }

    struct List: Encodable { let merchants: [Body] }

    /// `GET /v1/merchants` and the directory page: what was asked for, each part checked.
    struct Query: Sendable {
        var category: String?
        var text: String?
        var limit = 200

        init(category: String? = nil, text: String? = nil, limit: Int = 200) {
            self.category = category
            self.text = text
            self.limit = limit
        }

        init(_ query: FlatDictionary<Substring, Substring>, allowed: Set<String> = ["category", "q", "limit"]) throws {
            for name in query.map({ String($0.key) }) where !allowed.contains(name) {
                throw APIError.badRequest("unknown_field", "unknown query parameter \"\(name.prefix(64))\"; allowed: \(allowed.sorted().joined(separator: ", "))")
            }
            category = query["category"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            if let category, category.utf8.count > 32 || !category.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }) {
                throw APIError.badRequest("invalid_value", "category is 1–32 characters a–z, 0–9 or '-'")
            }
            text = query["q"].map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
            if let text, text.count > MerchantSearch.maximumQueryLength || text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw APIError.badRequest("invalid_value", "q is at most \(MerchantSearch.maximumQueryLength) characters of text")
            }
            if let value = query["limit"] {
                guard let number = Int(value), (1...500).contains(number) else { throw APIError.badRequest("invalid_value", "limit must be a whole number from 1 to 500") }
                limit = number
            }
        }
    }

    @Sendable func listed(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let merchants = try await merchantDirectory.listed(try Query(request.uri.queryParameters))
        return try JSONBody.response(List(merchants: merchants.map(Body.init)), headers: [.cacheControl: "public, max-age=60"])
    }

    @Sendable func all(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let merchants = try await merchantDirectory.all()
        return try JSONBody.response(List(merchants: merchants.map(Body.init)))
    }

    /// The merchant a request describes, each field checked; `id` from the path, the body, or made up.
    private func merchant(_ request: Request, id: String?) async throws -> Merchant {
        let body = try await JSONBody.collect(request, limit: configuration.maxBodyBytes)
        let input = try JSONBody.decode(Body.self, from: body, allowedKeys: Body.keys)
        if let id, let given = input.merchantID, given != id {
            throw APIError.invalid("invalid_value", field: "merchant_id", "merchant_id in the body (\(given.prefix(64))) differs from the path's (\(id.prefix(64)))")
        }
        func day(_ text: String, _ field: String) throws -> CalendarDay {
            do { return try CalendarDay(parsing: text) } catch { throw APIError.invalid("invalid_value", field: field, "\(field) is a date YYYY-MM-DD") }
        }
        let chosen = id ?? input.merchantID ?? "m-" + String(UUID().uuidString.lowercased().prefix(8))
        do {
            return try Merchant(id: chosen, nameChinese: input.name.chinese, nameEnglish: input.name.english, category: input.category,
                                address: input.address, phone: input.phone.flatMap { $0.isEmpty ? nil : $0 }, url: input.url.flatMap { $0.isEmpty ? nil : $0 },
                                offerChinese: input.offer.chinese, offerEnglish: input.offer.english,
                                validFrom: try day(input.validFrom, "valid_from"), validUntil: try day(input.validUntil, "valid_until"))
        } catch let problem as Merchant.Problem {
            throw APIError.invalid("invalid_value", field: problem.field, problem.message)
        }
    }

    @Sendable func create(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let staff = try context.admin()
        let merchant = try await merchant(request, id: nil)
        try await merchantDirectory.create(merchant, actor: staff.actor)
        return try JSONBody.response(Body(merchant), status: .created)
    }

    @Sendable func replace(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let staff = try context.admin()
        let merchant = try await merchant(request, id: try context.parameters.require("id"))
        try await merchantDirectory.replace(merchant, actor: staff.actor)
        return try JSONBody.response(Body(merchant))
    }

    @Sendable func delete(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let staff = try context.admin()
        let id = try context.parameters.require("id")
        try await merchantDirectory.delete(id: id, actor: staff.actor)
        return Response(status: .noContent)
    }

    @Sendable func importCSV(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let staff = try context.admin()
        let dryRun: Bool
        switch request.uri.queryParameters["dry_run"].map(String.init) {
        case nil, "false": dryRun = false
        case "true": dryRun = true
        default: throw APIError.badRequest("invalid_value", "dry_run must be true or false")
        }
        let body = try await JSONBody.collect(request, limit: min(configuration.importMaxBytes, MerchantCSV.maximumBytes))
        let report = try await merchantDirectory.importCSV(Data(body.readableBytesView), actor: staff.actor, dryRun: dryRun)
        return try JSONBody.response(report, status: report.rejected > 0 ? .unprocessableContent : .ok)
    }
}

extension MerchantService {
    /// The merchants whose offers run today that match `query`.
    func listed(_ query: MerchantController.Query) async throws -> [Merchant] {
        try await listed(category: query.category, text: query.text, limit: query.limit)
    }
}
