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

@Suite("Logging in and out")
struct LoginTests {
    @Test func studentIDOrEmailLogsInAndLogoutEndsTheSession() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            _ = try await client.login(IssuerHarness.email.uppercased())
            try await client.get("/v1/card", bearer: session) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/session", method: .delete, headers: [.authorization: "Bearer \(session)"]) {
                #expect($0.status == .noContent)
            }
            try await client.get("/v1/card", bearer: session) { response in
                #expect(response.status == .unauthorized)
                try #expect(errorCode(response) == "unauthorized")
            }
        }
    }

    @Test func unknownAccountAndWrongPasswordGetTheSameAnswer() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let wrong = try await client.post("/v1/session", body: json(["login": IssuerHarness.studentID, "password": "not the password"])) { response in
                (response.status, String(buffer: response.body))
            }
            let unknown = try await client.post("/v1/session", body: json(["login": "Z99999999", "password": "not the password"])) { response in
                (response.status, String(buffer: response.body))
            }
            #expect(wrong.0 == .unauthorized)
            #expect(wrong.0 == unknown.0)
            #expect(wrong.1 == unknown.1)
        }
    }

    @Test func repeatedFailuresLockTheNameKnownOrNot() async throws {
        let harness = try await IssuerHarness { $0.maxLoginFailures = 3; $0.lockout = 600 }
        try await harness.application.test(.router) { client in
            for name in [IssuerHarness.studentID, "Z99999999"] {
                for _ in 0..<3 {
                    try await client.post("/v1/session", body: json(["login": name, "password": "wrong password"])) { #expect($0.status == .unauthorized) }
                }
                try await client.post("/v1/session", body: json(["login": name, "password": IssuerHarness.password])) { response in
                    #expect(response.status == .tooManyRequests)
                    try #expect(errorCode(response) == "too_many_attempts")
                    #expect(response.headers[.retryAfter] == "600")
                }
            }
            harness.clock.advance(by: 601)
            _ = try await client.login() // the lock has passed
        }
    }

    @Test func oneAddressIsLimitedPerMinute() async throws {
        let harness = try await IssuerHarness { $0.addressAttemptsPerMinute = 4 }
        try await harness.application.test(.router) { client in
            for index in 0..<4 {
                try await client.post("/v1/session", body: json(["login": "user\(index)", "password": "wrong password"])) { #expect($0.status == .unauthorized) }
            }
            try await client.post("/v1/session", body: json(["login": IssuerHarness.studentID, "password": IssuerHarness.password])) {
                #expect($0.status == .tooManyRequests)
            }
            harness.clock.advance(by: 60)
            _ = try await client.login()
        }
    }

    @Test func suspendedAccountCannotLogInAndLosesItsSessions() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            try harness.services.accounts.setHolderStatus(studentID: IssuerHarness.studentID, status: .suspended, reason: "test", now: harness.clock.now, actor: "test")
            try await client.get("/v1/card/token", bearer: session) { #expect($0.status == .unauthorized) }
            try await client.post("/v1/session", body: json(["login": IssuerHarness.studentID, "password": IssuerHarness.password])) { response in
                #expect(response.status == .forbidden)
                try #expect(errorCode(response) == "account_suspended")
            }
        }
    }

    @Test func sessionsExpire() async throws {
        let harness = try await IssuerHarness { $0.sessionLifetime = 3_600 }
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            harness.clock.advance(by: 3_599)
            try await client.get("/v1/card", bearer: session) { #expect($0.status == .ok) }
            harness.clock.advance(by: 1)
            try await client.get("/v1/card", bearer: session) { #expect($0.status == .unauthorized) }
        }
    }

    @Test func sessionTokensAreStoredOnlyAsHashes() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            let stored = try await harness.services.database.writer.read { db in
                try Data.fetchAll(db, sql: "SELECT token_hash FROM session")
            }
            #expect(stored == [Data(BearerToken.digest(session))])
        }
    }
}
