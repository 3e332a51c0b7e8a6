import AsyncHTTPClient
import CardKeys
import CardToken
import Clocks
import DaemonSupport
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import TestSupport
import VerifierService

extension ManualClock {
    var epochClock: EpochClock { EpochClock { [self] in now } }
}

/// An issuer reduced to what a verifier sees: a root, a signing key, key
/// sets signed on demand, and tokens.
struct IssuerFixture {
    static let start: Int64 = 1_800_000_000
    let root = RootSigningKey.generate()
    let key = SigningKey.generate(.edDSA)

    func keySet(seq: UInt64, iat: Int64 = start, validity: Int64 = 86_400, status: String = "active", revokedCards: [String] = [],
                signedBy signer: RootSigningKey? = nil) -> String {
        var jwk = JSONWebKey(trustedKey: key.verificationKey(signingWindow: SigningWindow(notBefore: Self.start - 3_600, expires: Self.start + 30 * 86_400)))!
        jwk.status = status
        jwk.use = "sig"
        let document = KeySetDocument(iss: "ntu-alumni", seq: seq, iat: iat, exp: iat + validity, keys: [jwk], revokedCards: revokedCards)
        return KeySetSigner.sign(document, with: signer ?? root)
    }

    func token(card: String = "A000000042", at now: Int64) throws -> String {
        let details = CardDetails(number: try CardNumber(card), holderName: try HolderName("陳○玲"), validThrough: try CardDate(iso8601: "2030-06-30"))
        var random = SystemRandomNumberGenerator()
        return try TokenIssuer().issue(card: details, key: key, now: now, lifetime: 360, using: &random).text
    }

    func writeRoot(to directory: URL) throws -> String {
        let path = directory.appendingPathComponent("root.pub.jwk").path
        try JSONEncoder().encode(root.publicKey.jwk).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// A web server that serves whatever key set the test puts in it, with an
/// ETag, like a CDN in front of the issuer (or a tampered one).
final class KeySetServer: Sendable {
    let served = Mutex<String>("")
    let requests = Mutex<[String?]>([]) // the If-None-Match of each request

    func serve(_ jws: String) { served.withLock { $0 = jws } }

    var application: some ApplicationProtocol {
        let router = Router()
        router.get(".well-known/alumni-card/keyset.jws") { [self] request, _ -> Response in
            let jws = served.withLock { $0 }
            let etag = "\"\(jws.suffix(16))\""
            requests.withLock { $0.append(request.headers[.ifNoneMatch]) }
            if request.headers[.ifNoneMatch] == etag { return Response(status: .notModified, headers: [.eTag: etag]) }
            return Response(status: .ok, headers: [.eTag: etag, .contentType: "application/jose"], body: .init(byteBuffer: ByteBuffer(string: jws)))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }
}

func makeVerifier(_ issuer: IssuerFixture, port: Int?, clock: ManualClock, directory: URL? = nil,
                  configure: (inout VerifierConfiguration) -> Void = { _ in }) throws -> VerifierServices {
    let directory = try directory ?? ProjectPaths.temporaryDirectory("verifier")
    var configuration = VerifierConfiguration()
    configuration.dataDirectory = directory.appendingPathComponent("data").path
    configuration.keySetURL = "http://127.0.0.1:\(port ?? 9)/.well-known/alumni-card/keyset.jws"
    configuration.rootKeyFiles = [try issuer.writeRoot(to: directory)]
    // Generous: the whole suite runs in parallel on two cores, and the
    // fixture server answers on the same cooperative threads that blocking
    // tests occupy. Tests of "no network" shorten it (a port nobody answers
    // on waits for the timeout).
    configuration.fetchTimeout = 90
    configure(&configuration)
    try configuration.validate()
    var logger = Logger(label: "verifier-test")
    logger.logLevel = .critical
    return try VerifierServices(configuration: configuration, clock: clock.epochClock, logger: logger)
}
