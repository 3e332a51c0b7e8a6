import Foundation
import HTTPTypes
import HummingbirdTesting
import IssuerCore
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import Testing

/// Review #7, #8, #16: one normalisation before the throttle and the
/// look-up, lockouts per account and client, clients found behind
/// trusted proxies, IPv6 by /64, bounded tables.
@Suite("Login throttling")
struct LoginThrottleTests {
    static func attempt(_ client: some TestClientProtocol, login: String, password: String, forwardedFor: String? = nil) async throws -> HTTPResponse.Status {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let forwardedFor { headers[HTTPField.Name("X-Forwarded-For")!] = forwardedFor }
        return try await client.execute(uri: "/v1/session", method: .post, headers: headers,
                                        body: json(["login": login, "password": password])) { $0.status }
    }

    @Test func paddedOrRecasedLoginNamesShareOneLockout() async throws {
        let harness = try await IssuerHarness { $0.maxLoginFailures = 3 }
        try await harness.application.test(.router) { client in
            for spelling in [IssuerHarness.studentID, " \(IssuerHarness.studentID)", "\(IssuerHarness.studentID.lowercased())\t"] {
                try await #expect(Self.attempt(client, login: spelling, password: "wrong password") == .unauthorized)
            }
            for spelling in [IssuerHarness.studentID, "  \(IssuerHarness.studentID)", "\(IssuerHarness.studentID)\t"] {
                try await #expect(Self.attempt(client, login: spelling, password: IssuerHarness.password) == .tooManyRequests, "\(spelling)")
            }
            // Another login name of the account stays locked too, but says so as an unknown name would (review 2, #11).
            try await #expect(Self.attempt(client, login: IssuerHarness.email.uppercased(), password: IssuerHarness.password) == .unauthorized)
        }
    }

    @Test func aLoginNameIsTrimmedAndCaseFoldedOnce() {
        #expect(LoginName(" R09000001\t\n")?.text == "r09000001")
        #expect(LoginName("Mei@Alumni.Example.org ")?.text == "mei@alumni.example.org")
        #expect(LoginName("   ") == nil)
        #expect(LoginName("a\u{0}b") == nil)
        #expect(LoginName(String(repeating: "a", count: 255)) == nil)
    }

    @Test func aTargetedLockoutDoesNotShutOutTheOwner() async throws {
        let harness = try await IssuerHarness { $0.maxLoginFailures = 3; $0.trustedProxies = [IPNetwork("127.0.0.1")!, IPNetwork("::1")!] }
        // Over a real socket, as if nginx on this host forwarded two clients.
        try await harness.application.test(.live) { client in
            let port = client.port!
            for _ in 0..<5 {
                _ = try await loopback(port, "/v1/session", login: IssuerHarness.studentID, password: "wrong password", forwardedFor: "203.0.113.9")
            }
            let stranger = try await loopback(port, "/v1/session", login: IssuerHarness.studentID, forwardedFor: "203.0.113.9")
            #expect(stranger.status == 429)
            // The owner, from elsewhere, still gets in.
            #expect(try await loopback(port, "/v1/session", login: IssuerHarness.studentID, forwardedFor: "198.51.100.7").status == 201)
        }
    }

    @Test func guessesSpreadOverManyClientsGetOneTryEachOnceAnAccountIsUnderAttack() throws {
        let throttle = try LoginLockouts(database: .inMemory(), limits: .init(maxFailures: 5, lockout: 900, strictAfter: 10))
        for client in 0..<10 {
            #expect(try throttle.failed(account: "holder:1", client: "10.0.0.\(client)", now: 1_000) == nil)
        }
        // The eleventh failure, from a fresh client, locks that client at once.
        #expect(try throttle.failed(account: "holder:1", client: "10.0.1.1", now: 1_001) == LoginLockouts.Lockout(seconds: 900))
        #expect(try throttle.retryAfter(account: "holder:1", client: "10.0.1.1", now: 1_002) == 899)
        // A client with no failures is still let through to try.
        #expect(try throttle.retryAfter(account: "holder:1", client: "10.0.2.2", now: 1_002) == nil)
    }

    @Test func repeatedLockoutsGrowLonger() throws {
        let throttle = try LoginLockouts(database: .inMemory(), limits: .init(maxFailures: 2, lockout: 60))
        var now: Int64 = 0
        var lengths: [Int64] = []
        for _ in 0..<4 {
            _ = try throttle.failed(account: "a", client: "c", now: now)
            if let lockout = try throttle.failed(account: "a", client: "c", now: now) { lengths.append(lockout.seconds) }
            now += lengths.last ?? 0
        }
        #expect(lengths == [60, 120, 240, 480])
    }

    @Test func lockoutsHoldAcrossARestartOfTheDaemon() async throws {
        let harness = try await IssuerHarness(onDisk: true) { $0.maxLoginFailures = 2 }
        try await harness.application.test(.router) { client in
            for _ in 0..<2 { _ = try await Self.attempt(client, login: IssuerHarness.studentID, password: "wrong password") }
        }
        // A second daemon on the same database (a restart, or another instance) sees the lockout.
        let second = try await harness.restarted()
        try await second.application.test(.router) { client in
            let status = try await Self.attempt(client, login: IssuerHarness.studentID, password: IssuerHarness.password)
            #expect(status == .tooManyRequests)
        }
    }

    @Test func loginsBehindATrustedProxyAreLimitedPerForwardedClient() async throws {
        let harness = try await IssuerHarness { $0.addressAttemptsPerMinute = 3; $0.trustedProxies = [IPNetwork("127.0.0.1")!, IPNetwork("::1")!] }
        try await harness.application.test(.live) { client in
            let port = client.port!
            for index in 0..<3 {
                let answer = try await loopback(port, "/v1/session", login: "user\(index)", password: "wrong password", forwardedFor: "203.0.113.9")
                #expect(answer.status == 401)
            }
            #expect(try await loopback(port, "/v1/session", login: "user9", password: "wrong password", forwardedFor: "203.0.113.9").status == 429)
            // Another client behind the same proxy is not held up.
            #expect(try await loopback(port, "/v1/session", login: IssuerHarness.studentID, forwardedFor: "198.51.100.7").status == 201)
        }
    }

    @Test func theRightMostUntrustedForwardedAddressIsTheClient() {
        let resolver = ClientAddressResolver(trustedProxies: [IPNetwork("127.0.0.1")!, IPNetwork("10.0.0.0/8")!])
        // A client cannot choose its address by writing X-Forwarded-For itself.
        #expect(resolver.client(peer: "127.0.0.1", forwardedFor: ["6.6.6.6, 203.0.113.9, 10.1.2.3"]) == "203.0.113.9")
        #expect(resolver.client(peer: "127.0.0.1", forwardedFor: ["6.6.6.6", "203.0.113.9"]) == "203.0.113.9")
        // An untrusted peer's header is ignored.
        #expect(resolver.client(peer: "198.51.100.7", forwardedFor: ["6.6.6.6"]) == "198.51.100.7")
        // Junk ends the walk at the last good hop.
        #expect(resolver.client(peer: "127.0.0.1", forwardedFor: ["not-an-address"]) == "127.0.0.1")
        #expect(resolver.client(peer: "::ffff:127.0.0.1", forwardedFor: ["203.0.113.9"]) == "203.0.113.9")
    }

    @Test func anIPv6ClientIsLimitedPerSlash64() {
        #expect(ClientAddressResolver.bucket("2001:db8:1:2:aaaa::1") == ClientAddressResolver.bucket("2001:db8:1:2:ffff:1:2:3"))
        #expect(ClientAddressResolver.bucket("2001:db8:1:2::1") == "2001:db8:1:2::/64")
        #expect(ClientAddressResolver.bucket("2001:db8:1:3::1") != ClientAddressResolver.bucket("2001:db8:1:2::1"))
        let throttle = LoginThrottle(limits: .init(addressAttemptsPerMinute: 2))
        let clients = ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::9"].map(ClientAddressResolver.bucket)
        #expect(clients.map { throttle.admit(client: $0, now: 0) } == [.allowed, .allowed, .refused(retryAfter: 60)])
    }

    @Test func aFullAddressTableDropsItsOldestEntriesNotEveryone() {
        let throttle = LoginThrottle(limits: .init(addressAttemptsPerMinute: 1), capacity: 20)
        for index in 0..<20 { #expect(throttle.admit(client: "a\(index)", now: Int64(index)) == .allowed) }
        _ = throttle.admit(client: "x", now: 20) // the table is full: a tenth of it, the least recently seen, makes room
        // Within the same minute every other client is still counted (a wiped table would let all of them
        // try again). Newest first, so no re-admitted client makes room again before it is asked about.
        let allowedAgain = (0..<20).reversed().filter { throttle.admit(client: "a\($0)", now: 21) == .allowed }
        #expect(allowedAgain == [1, 0])
    }

    @Test func passwordsWithControlCharactersAreRefused() async throws {
        #expect(PasswordHasher.problem(with: "correct horse\u{0}battery") != nil)
        #expect(PasswordHasher.problem(with: "correct horse\tbattery") != nil)
        #expect(PasswordHasher.problem(with: "correct horse battery") == nil)
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            // bcrypt would stop at the NUL and compare only "correct horse battery".
            let status = try await Self.attempt(client, login: IssuerHarness.studentID, password: IssuerHarness.password + "\u{0}anything")
            #expect(status == .badRequest)
            let longer = try await Self.attempt(client, login: IssuerHarness.studentID, password: IssuerHarness.password + String(repeating: "x", count: 72))
            #expect(longer == .unauthorized)
        }
    }
}
