import AsyncHTTPClient
import CardKeys
import CardToken
import Clocks
import DaemonSupport
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IssuerCore
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
import TestSupport

extension ManualClock {
    var epochClock: EpochClock { EpochClock { [self] in now } }
}

/// An issuer with an in-memory database, a root key on the host, a first
/// signing key, one alumnus with a password, and a bootstrap admin token.
struct IssuerHarness {
    static let start: Int64 = 1_800_000_000 // 2027-01-15T08:00:00Z; a window boundary (divisible by 300)
    static let password = "correct horse battery"
    static let adminToken = "acadm_bootstrap-token-for-tests-0123456789"
    static let studentID = "B07000001"
    static let email = "mei@alumni.example.org"
    static let cardNumber = "A000000042"

    let services: IssuerServices
    let clock: ManualClock
    let root: RootSigningKey
    let secrets: IssuerCredentials
    let configuration: IssuerConfiguration

    /// With `onDisk`, the database is a real file in a temporary data
    /// directory (for tests where another connection or process shares it).
    init(start: Int64 = IssuerHarness.start, onDisk: Bool = false, configure: (inout IssuerConfiguration) -> Void = { _ in }) async throws {
        var configuration = IssuerConfiguration()
        configuration.bcryptCost = 4
        configuration.rotateInDaemon = false
        configuration.port = 0
        // The tests of the human check turn it on; the rest log in without it.
        configuration.humanCheckLogin = .never
        configuration.humanCheckMaxNumber = 1_000
        // Suites send many applications from one test client; the limits' own tests set them low.
        configuration.applicationsPerClientHourly = 1_000
        configuration.applicationsPerNationalIDDaily = 1_000
        // Documents and development mail are files in the data directory, even with an in-memory database.
        configuration.dataDirectory = try ProjectPaths.temporaryDirectory("issuer").path
        configure(&configuration)
        self.configuration = configuration
        clock = ManualClock(start)
        root = RootSigningKey.generate()
        let secrets = IssuerCredentials(kek: KeyEncryptionKey.generate().key, rootKey: root,
                                    bootstrapAdminTokenHash: BearerToken.digest(Self.adminToken))
        var logger = Logger(label: "issuer-test")
        logger.logLevel = .warning
        self.secrets = secrets
        services = try IssuerServices(configuration: configuration, credentials: secrets, clock: clock.epochClock,
                                      database: onDisk ? nil : AppDatabase.inMemory(), logger: logger)
        try services.keyStore.rotate(now: start, force: true, actor: "test")
        try await services.keysChanged(actor: "test")
        try addHolder(studentID: Self.studentID, name: "陳美玲", email: Self.email, card: Self.cardNumber, validThrough: "2030-06-30")
    }

    func addHolder(studentID: String, name: String, email: String?, card: String, validThrough: String, password: String = IssuerHarness.password) throws {
        let row = RegistrarRow(studentID: studentID, displayName: name, email: email, cardNumber: try CardNumber(card),
                               validThrough: try CardDate(iso8601: validThrough))
        let report = try services.accounts.upsert(row, now: clock.now, actor: "test")
        #expect(report.applied)
        try services.accounts.setPasswordHash(studentID: studentID, hash: services.hasher.hash(password), now: clock.now, actor: "test")
    }

    /// The same issuer in a new process: new services over the same (on-disk) database and credentials.
    func restarted() async throws -> IssuerHarness {
        try IssuerHarness(services: IssuerServices(configuration: configuration, credentials: secrets, clock: clock.epochClock, logger: services.logger),
                          clock: clock, root: root, secrets: secrets, configuration: configuration)
    }

    private init(services: IssuerServices, clock: ManualClock, root: RootSigningKey, secrets: IssuerCredentials, configuration: IssuerConfiguration) {
        self.services = services
        self.clock = clock
        self.root = root
        self.secrets = secrets
        self.configuration = configuration
    }

    var application: some ApplicationProtocol { buildApplication(services) }

    /// The trusted keys a merchant would hold after fetching the served key set.
    func merchantKeys() async throws -> TrustedKeySet {
        let jws = try #require(await services.publisher.current(now: clock.now)).jws
        let verdict = KeySetVerifier(pinnedRoots: [root.publicKey]).verify(jws, heldSeq: nil, now: clock.now)
        #expect(verdict.isOK, "\(verdict.detail)")
        return try #require(verdict.document).trustedKeys()
    }
}

extension TestClientProtocol {
    /// Logs in and returns the session token.
    func login(_ login: String = IssuerHarness.studentID, password: String = IssuerHarness.password) async throws -> String {
        try await execute(uri: "/v1/session", method: .post, headers: [.contentType: "application/json"],
                          body: json(["login": login, "password": password])) { response in
            #expect(response.status == .created, "\(String(buffer: response.body))")
            return try #require(try jsonObject(response.body)["session_token"] as? String)
        }
    }

    /// GET with a bearer token.
    func get<T>(_ uri: String, bearer: String?, _ check: @escaping (TestResponse) async throws -> T) async throws -> T {
        var headers: HTTPFields = [:]
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        return try await execute(uri: uri, method: .get, headers: headers, body: nil, testCallback: check)
    }

    /// POST JSON with an optional bearer token.
    func post<T>(_ uri: String, bearer: String? = nil, body: ByteBuffer?, contentType: String = "application/json",
                 _ check: @escaping (TestResponse) async throws -> T) async throws -> T {
        var headers: HTTPFields = [.contentType: contentType]
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        return try await execute(uri: uri, method: .post, headers: headers, body: body, testCallback: check)
    }
}

func json(_ object: Any) -> ByteBuffer {
    ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
}

func jsonObject(_ buffer: ByteBuffer) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
}

/// The `error.code` of a JSON error body.
func errorCode(_ response: TestResponse) throws -> String? {
    let body = try jsonObject(response.body)
    return (body["error"] as? [String: Any])?["code"] as? String
}

/// One request to a `.live` test server on a connection of its own (the
/// test client's single connection would queue requests behind each other,
/// and its read timeout is short for a loaded two-core machine).
func loopback(_ port: Int, _ path: String, login: String? = nil, password: String = IssuerHarness.password,
              forwardedFor: String? = nil) async throws -> (status: Int, code: String?) {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
    if let forwardedFor { request.headers.add(name: "X-Forwarded-For", value: forwardedFor) }
    if let login {
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(json(["login": login, "password": password]))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
    let body = try await response.body.collect(upTo: 1 << 20)
    let code = ((try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any])
        .flatMap { $0["error"] as? [String: Any] }?["code"] as? String
    return (Int(response.status.code), code)
}
