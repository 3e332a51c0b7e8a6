import CardKeys
import CardToken
import Clocks
import Crypto
import DaemonSupport
import Foundation
import Logging
import VerifierService

/// The merchant verifier in process: a whole verification (key set held,
/// spec checks, replay cache, audit buffer) against the bare Ed25519 check
/// of the same bytes; then memory after a million verifications.
enum VerifierBenchmark {
    static let now: Int64 = 1_800_000_000

    struct Setup {
        let services: VerifierServices
        let key: SigningKey
        let card: CardDetails
    }

    static func setup(directory: String, replayCapacity: Int = 100_000) throws -> Setup {
        let root = RootSigningKey.generate()
        let key = SigningKey.generate(.edDSA)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let rootPath = directory + "/root.pub.jwk"
        try JSONEncoder().encode(root.publicKey.jwk).write(to: URL(fileURLWithPath: rootPath))
        var configuration = VerifierConfiguration()
        configuration.dataDirectory = directory + "/data"
        configuration.keySetURL = "http://127.0.0.1:9/keyset.jws"
        configuration.rootKeyFiles = [rootPath]
        configuration.replayCapacity = replayCapacity
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let services = try VerifierServices(configuration: configuration, clock: EpochClock { now }, logger: logger)
        var jwk = JSONWebKey(trustedKey: key.verificationKey(signingWindow: SigningWindow(notBefore: now - 3_600, expires: now + 86_400)))!
        jwk.status = "active"
        let document = KeySetDocument(iss: "bench", seq: 1, iat: now, exp: now + 86_400, keys: [jwk], revokedCards: [])
        _ = services.sync.apply(jws: KeySetSigner.sign(document, with: root), etag: nil, now: now)
        let card = CardDetails(number: try CardNumber("A000001234"), holderName: try HolderName("林○明"), validThrough: try CardDate(iso8601: "2030-12-31"))
        return Setup(services: services, key: key, card: card)
    }

    static func run() async -> String {
        let directory = NSTemporaryDirectory() + "alumnicard-bench-verifier-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let setup = try! setup(directory: directory)
        var generator = SystemRandomNumberGenerator()
        let tokens = (0..<4_096).map { _ in try! TokenIssuer().issue(card: setup.card, key: setup.key, now: now, using: &generator).text }
        let parsed = try! ParsedToken(text: tokens[0])
        let message = parsed.toBeSigned()
        let signature = Array(parsed.signature)
        let publicKey = try! Curve25519.Signing.PublicKey(rawRepresentation: setup.key.ed25519PublicKey!)
        var index = 0
        let comparison = Comparison.run(
            "verifier: VerificationService.verify", {
                index = (index + 1) & 4_095
                return setup.services.verification.verify(tokens[index]).verdict == "ok"
            },
            against: "bare Ed25519 verify (swift-crypto)", { publicKey.isValidSignature(signature, for: message) }
        )
        await setup.services.audit.flush()
        return (["## verifier, in process (one core; 4,096 tokens in turn, replay policy flag, audit on)"]
            + comparison.lines(target: "reference") + [""]).joined(separator: "\n")
    }

    /// A million verifications of distinct tokens on two threads, with the
    /// replay cache at its cap; prints the resident set size.
    static func memory() async -> String {
        let directory = NSTemporaryDirectory() + "alumnicard-bench-memory-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let setup = try! setup(directory: directory)
        let before = residentKiB()
        let start = DispatchTime.now().uptimeNanoseconds
        let perThread = 500_000
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<perThread {
                let token = try! TokenIssuer().issue(card: setup.card, key: setup.key, now: now, using: &generator).text
                precondition(setup.services.verification.verify(token).verdict == "ok")
            }
        }
        await setup.services.audit.flush()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let after = residentKiB()
        return """
            ## verifier memory: 1,000,000 verifications of distinct tokens (issue + verify, 2 threads, \(String(format: "%.0f", seconds)) s)
            replay cache entries: \(setup.services.replay.count) (cap \(setup.services.replay.capacity))
            resident set: \(before / 1_024) MiB before, \(after / 1_024) MiB after

            """
    }

    static func residentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
}
