import CardKeys
import CardToken
import Foundation
import GRDB
import NIOCore
import HTTPTypes
import HummingbirdTesting
import IssuerService
import Testing

/// Every endpoint that reads input answers bad input with a 4xx and a JSON
/// error body, never a 5xx.
@Suite("Bad input on every endpoint")
struct BadInputTests {
    enum Auth: Sendable { case none, session, admin }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let method: HTTPRequest.Method
        let uri: String
        let auth: Auth
        let body: String?
        let contentType: String
        let status: Int
        var testDescription: String { name }

        init(_ name: String, _ method: HTTPRequest.Method, _ uri: String, auth: Auth = .none, body: String? = nil,
             contentType: String = "application/json", status: Int) {
            self.name = name
            self.method = method
            self.uri = uri
            self.auth = auth
            self.body = body
            self.contentType = contentType
            self.status = status
        }
    }

    static let huge = "{\"login\":\"" + String(repeating: "x", count: 64 * 1024) + "\",\"password\":\"p\"}"

    static let cases: [Case] = [
        Case("login: malformed JSON", .post, "/v1/session", body: "{\"login\": ", status: 400),
        Case("login: not an object", .post, "/v1/session", body: "[1,2]", status: 400),
        Case("login: empty body", .post, "/v1/session", body: "", status: 400),
        Case("login: huge body", .post, "/v1/session", body: huge, status: 413),
        Case("login: wrong type", .post, "/v1/session", body: "{\"login\": 12, \"password\": \"x\"}", status: 400),
        Case("login: null", .post, "/v1/session", body: "{\"login\": null, \"password\": \"x\"}", status: 400),
        Case("login: missing field", .post, "/v1/session", body: "{\"login\": \"a\"}", status: 400),
        Case("login: unknown field", .post, "/v1/session", body: "{\"login\": \"a\", \"password\": \"b\", \"admin\": true}", status: 400),
        Case("login: empty login", .post, "/v1/session", body: "{\"login\": \"\", \"password\": \"b\"}", status: 400),
        Case("logout: no auth", .delete, "/v1/session", status: 401),
        Case("card: no auth", .get, "/v1/card", status: 401),
        Case("card: wrong scheme", .get, "/v1/card", auth: .none, status: 401),
        Case("token: no auth", .get, "/v1/card/token", status: 401),
        Case("token: admin token is not a session", .get, "/v1/card/token", auth: .admin, status: 401),
        Case("qr: bad format", .get, "/v1/card/token/qr?format=bmp", auth: .session, status: 400),
        Case("qr: huge scale", .get, "/v1/card/token/qr?scale=99999999999999999999", auth: .session, status: 400),
        Case("verify: malformed JSON", .post, "/v1/verify", body: "{\"token\"", status: 400),
        Case("verify: wrong type", .post, "/v1/verify", body: "{\"token\": [1]}", status: 400),
        Case("verify: unknown field", .post, "/v1/verify", body: "{\"token\": \"AC1:\", \"x\": 1}", status: 400),
        Case("verify: huge", .post, "/v1/verify", body: huge, status: 413),
        Case("admin keys: no auth", .get, "/v1/admin/keys", status: 401),
        Case("admin keys: session token is not an admin", .get, "/v1/admin/keys", auth: .session, status: 401),
        Case("rotate: wrong type", .post, "/v1/admin/keys/rotate", auth: .admin, body: "{\"if_due\": \"yes\"}", status: 400),
        Case("rotate: unknown field", .post, "/v1/admin/keys/rotate", auth: .admin, body: "{\"force\": true}", status: 400),
        Case("revoke: bad kid", .post, "/v1/admin/keys/not-a-kid/revoke", auth: .admin, body: "{\"reason\": \"x\"}", status: 400),
        Case("revoke: unknown kid", .post, "/v1/admin/keys/AAAAAAAAAAA/revoke", auth: .admin, body: "{\"reason\": \"x\"}", status: 404),
        Case("revoke: no reason", .post, "/v1/admin/keys/AAAAAAAAAAA/revoke", auth: .admin, body: "{}", status: 400),
        Case("card change: empty reason", .post, "/v1/admin/cards/A000000042/suspend", auth: .admin, body: "{\"reason\": \"  \"}", status: 400),
        Case("import: not UTF-8", .post, "/v1/admin/cards/import", auth: .admin, body: "\u{FFFF}", contentType: "text/csv", status: 422),
        Case("import: bad dry_run", .post, "/v1/admin/cards/import?dry_run=maybe", auth: .admin, body: "", contentType: "text/csv", status: 400),
        Case("audit: bad limit", .get, "/v1/admin/audit?limit=0", auth: .admin, status: 400),
        Case("tokens ahead: too many windows", .get, "/v1/card/tokens?windows=100000", auth: .session, status: 400),
        Case("tokens ahead: no auth", .get, "/v1/card/tokens", status: 401),
        Case("card application: no auth", .post, "/v1/card-applications", body: "{\"kind\": \"first\"}", status: 401),
        Case("card application: wrong type", .post, "/v1/card-applications", auth: .session, body: "{\"kind\": 1}", status: 400),
        Case("card application: unknown kind", .post, "/v1/card-applications", auth: .session, body: "{\"kind\": \"gold\"}", status: 422),
        Case("card application: no human check", .post, "/v1/card-applications", auth: .session, body: "{\"kind\": \"first\"}", status: 400),
        Case("card applications: bad status", .get, "/v1/admin/card-applications?status=lost", auth: .admin, status: 400),
        Case("payment: unknown application", .post, "/v1/admin/card-applications/ca-NOPE/payment", auth: .admin,
             body: "{\"amount\": 200, \"reference\": \"R1\"}", status: 404),
        Case("payment: negative amount", .post, "/v1/admin/card-applications/ca-NOPE/payment", auth: .admin,
             body: "{\"amount\": -5, \"reference\": \"R1\"}", status: 422),
        Case("payment: huge amount", .post, "/v1/admin/card-applications/ca-NOPE/payment", auth: .admin,
             body: "{\"amount\": 1e30, \"reference\": \"R1\"}", status: 400),
        Case("merchants: bad category", .get, "/v1/merchants?category=%3Cscript%3E", status: 400),
        Case("merchants: long query", .get, "/v1/merchants?q=" + String(repeating: "%E5%92%96", count: 65), status: 400),
        Case("merchant: no auth", .post, "/v1/admin/merchants", body: "{}", status: 401),
        Case("merchant: missing fields", .post, "/v1/admin/merchants", auth: .admin, body: "{\"category\": \"cafe\"}", status: 400),
        Case("merchant: bad date", .post, "/v1/admin/merchants", auth: .admin, body: """
            {"name": {"zh-Hant": "店", "en": "Shop"}, "category": "cafe", "address": "1 號", "offer": {"zh-Hant": "九折", "en": "10%"},
             "valid_from": "2027-02-30", "valid_until": "2027-12-31"}
            """, status: 422),
        Case("merchant: unknown on replace", .put, "/v1/admin/merchants/nobody", auth: .admin, body: """
            {"name": {"zh-Hant": "店", "en": "Shop"}, "category": "cafe", "address": "1 號", "offer": {"zh-Hant": "九折", "en": "10%"},
             "valid_from": "2027-01-01", "valid_until": "2027-12-31"}
            """, status: 404),
        Case("merchant import: header only wrong", .post, "/v1/admin/merchants/import", auth: .admin, body: "name\n", contentType: "text/csv", status: 422),
        Case("unknown route", .get, "/v1/nothing-here", status: 404),
    ]

    @Test(arguments: cases)
    func badInputGetsA4xxWithAJSONError(_ testCase: Case) async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            var headers: HTTPFields = [.contentType: testCase.contentType]
            switch testCase.auth {
            case .none: if testCase.name.contains("wrong scheme") { headers[.authorization] = "Basic dXNlcjpwYXNz" }
            case .session: headers[.authorization] = "Bearer \(try await client.login())"
            case .admin: headers[.authorization] = "Bearer \(IssuerHarness.adminToken)"
            }
            try await client.execute(uri: testCase.uri, method: testCase.method, headers: headers,
                                     body: testCase.body.map { ByteBuffer(string: $0) }) { response in
                #expect(Int(response.status.code) == testCase.status, "\(String(buffer: response.body).prefix(300))")
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let code = try errorCode(response)
                #expect(code != nil && code != "internal_error")
            }
        }
    }
}
