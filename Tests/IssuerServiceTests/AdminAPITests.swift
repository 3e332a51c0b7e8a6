import TestSupport
import CardKeys
import CardToken
import Foundation
import GRDB
import NIOCore
import HTTPTypes
import HummingbirdTesting
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import Testing

@Suite("The admin API: roles and audit")
struct AdminAPITests {
    @Test func rolesDecideWhatATokenMayDoAndEveryChangeIsAudited() async throws {
        let harness = try await IssuerHarness()
        let store = harness.services.adminTokens
        let auditor = try store.create(name: "auditor-1", role: .auditor, now: harness.clock.now, actor: "test")
        let operatorToken = try store.create(name: "desk-1", role: .operator, now: harness.clock.now, actor: "test")
        try await harness.application.test(.router) { client in
            try await client.get("/v1/admin/keys", bearer: nil) { #expect($0.status == .unauthorized) }
            try await client.get("/v1/admin/keys", bearer: "acadm_wrong") { #expect($0.status == .unauthorized) }
            try await client.get("/v1/admin/keys", bearer: auditor) { #expect($0.status == .ok) }
            try await client.post("/v1/admin/cards/\(IssuerHarness.cardNumber)/suspend", bearer: auditor, body: json(["reason": "lost"])) { response in
                #expect(response.status == .forbidden)
                try #expect(errorCode(response) == "forbidden")
            }
            try await client.post("/v1/admin/keys/rotate", bearer: operatorToken, body: nil) { #expect($0.status == .forbidden) }

            try await client.post("/v1/admin/cards/\(IssuerHarness.cardNumber)/suspend", bearer: operatorToken, body: json(["reason": "reported lost"])) { response in
                #expect(response.status == .ok)
                try #expect(jsonObject(response.body)["status"] as? String == "suspended")
            }
            try await client.post("/v1/admin/cards/\(IssuerHarness.cardNumber)/reinstate", bearer: operatorToken, body: json(["reason": "found"])) {
                #expect($0.status == .ok)
            }
            try await client.post("/v1/admin/cards/\(IssuerHarness.cardNumber)/revoke", bearer: operatorToken, body: json(["reason": "fraud"])) {
                #expect($0.status == .ok)
            }
            try await client.post("/v1/admin/cards/\(IssuerHarness.cardNumber)/reinstate", bearer: operatorToken, body: json(["reason": "oops"])) { response in
                #expect(response.status == .conflict)
                try #expect(errorCode(response) == "card_change_refused")
            }
            try await client.post("/v1/admin/cards/NOPE/suspend", bearer: operatorToken, body: json(["reason": "x"])) { #expect($0.status == .notFound) }
            try await client.post("/v1/admin/cards/\(IssuerHarness.cardNumber)/explode", bearer: operatorToken, body: json(["reason": "x"])) { #expect($0.status == .notFound) }

            let events = try await client.get("/v1/admin/audit?limit=10", bearer: auditor) { response in
                try #require(try jsonObject(response.body)["events"] as? [[String: Any]])
            }
            let actions = events.map { "\($0["actor"] as? String ?? "") \($0["action"] as? String ?? "") \($0["subject"] as? String ?? "")" }
                .filter { $0.contains(" card_") }
            #expect(actions.prefix(3) == [
                "admin:desk-1 card_revoked \(IssuerHarness.cardNumber)",
                "admin:desk-1 card_reinstated \(IssuerHarness.cardNumber)",
                "admin:desk-1 card_suspended \(IssuerHarness.cardNumber)",
            ])
        }
    }

    /// Every admin route with the least role it needs (docs/openapi.yaml):
    /// the route groups' authentication middleware must keep each one.
    static let leastRoles: [(HTTPRequest.Method, String, AdminRole)] = [
        (.get, "/v1/admin/keys", .auditor), (.get, "/v1/admin/audit", .auditor), (.get, "/v1/admin/cards/A000000001", .auditor),
        (.get, "/v1/admin/merchants", .auditor),
        (.get, "/v1/admin/account-applications", .reviewer), (.get, "/v1/admin/account-applications/x", .reviewer),
        (.post, "/v1/admin/account-applications/approve-matches", .reviewer), (.post, "/v1/admin/account-applications/x/reject", .reviewer),
        (.get, "/v1/admin/card-applications", .reviewer),
        (.get, "/v1/admin/mail", .operator), (.post, "/v1/admin/cards/import", .operator), (.post, "/v1/admin/cards/A000000001/suspend", .operator),
        (.post, "/v1/admin/card-applications/x/payment", .operator), (.post, "/v1/admin/merchants", .operator),
        (.put, "/v1/admin/merchants/x", .operator), (.delete, "/v1/admin/merchants/x", .operator),
        (.post, "/v1/admin/keys/rotate", .admin), (.post, "/v1/admin/keys/kid/revoke", .admin),
    ]

    @Test func eachAdminRouteNeedsItsLeastRoleAndNoMore() async throws {
        let harness = try await IssuerHarness()
        var made: [AdminRole: String] = [:]
        for role in AdminRole.allCases {
            made[role] = try harness.services.adminTokens.create(name: "role-\(role.rawValue)", role: role, now: harness.clock.now, actor: "test")
        }
        let tokens = made
        try await harness.application.test(.router) { client in
            for (method, path, least) in Self.leastRoles {
                #expect(try await client.send(method, path, bearer: nil).status == .unauthorized, "\(method) \(path) without a token")
                for role in AdminRole.allCases {
                    let status = try await client.send(method, path, bearer: tokens[role], json: [String: String]()).status
                    if role < least {
                        #expect(status == .forbidden, "\(method) \(path) as \(role.rawValue)")
                    } else {
                        #expect(status != .forbidden && status != .unauthorized, "\(method) \(path) as \(role.rawValue): \(status)")
                    }
                }
            }
        }
    }

    @Test func importThroughTheAPIIsAllOrNothing() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let good = "student_id,display_name,email,card_number,valid_through\nB08000001,李小華,hua@example.org,A000000101,2031-06-30\n"
            try await client.post("/v1/admin/cards/import", bearer: IssuerHarness.adminToken, body: ByteBuffer(string: good), contentType: "text/csv") { response in
                #expect(response.status == .ok)
                let body = try jsonObject(response.body)
                #expect(body["applied"] as? Bool == true)
            }
            let bad = good + "B08000002,張三,,A000000102,2031-02-30\n"
            try await client.post("/v1/admin/cards/import", bearer: IssuerHarness.adminToken, body: ByteBuffer(string: bad.replacingOccurrences(of: "李小華", with: "李小萍")), contentType: "text/csv") { response in
                #expect(response.status == .unprocessableContent)
                let body = try jsonObject(response.body)
                #expect(body["applied"] as? Bool == false)
                let rows = try #require(body["rows"] as? [[String: Any]])
                #expect(rows.map { $0["action"] as? String } == ["updated", "rejected"])
            }
            // Nothing of the refused file was written.
            try #expect(harness.services.accounts.holder(studentID: "B08000001")?.displayName == "李小華")
            try #expect(harness.services.accounts.card(number: "A000000102") == nil)
            try await client.post("/v1/admin/cards/import", bearer: IssuerHarness.adminToken, body: ByteBuffer(string: "nonsense\n1,2"), contentType: "text/csv") { response in
                #expect(response.status == .unprocessableContent)
                try #expect(errorCode(response) == "invalid_csv")
            }
        }
    }
}
