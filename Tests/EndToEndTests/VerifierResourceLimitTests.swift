import Foundation
import NIOHTTP1
import TestSupport
import Testing

/// The verifier's key-set fetch against a server that sends 100 MB, and
/// one whose JWS header is JSON nested a million deep (and 350,000 deep,
/// within the size limit, for the JSON parser): each is cut off by a
/// limit, the verifier says why in its status, its memory stays small, and
/// it goes on verifying from its cached key set.
@Suite("The verifier against a hostile key-set server", .serialized, .onItsOwnThread)
struct VerifierResourceLimitTests {
    @Test func aHundredMegabytesOrAMillionDeepAreCutOffWhileScansGoOnFromTheCache() async throws {
        let pair = try await MerchantVerifierTests.start("verifier-hostile")
        defer { try? FileManager.default.removeItem(at: pair.directory) }
        let (token, _) = try await MerchantVerifierTests.cardToken(pair.issuer)
        #expect(try await MerchantVerifierTests.verify(pair.verifier, token)["reason"] as? String == "ok")
        #expect(try await offCooperativePool { pair.verifier.stop() } == 0)
        let server = try await offCooperativePool {
            try RunningDaemon(ProjectPaths.testPython, [ProjectPaths.interopScript("hostile_keyset_server.py").path],
                              marker: "hostile key-set server listening on ")
        }
        defer { server.stop() }
        let directory = pair.directory, root = pair.root

        for (path, reason) in [("/huge", "more than the 1048576 bytes"), ("/deep", "more than the 1048576 bytes"), ("/deep-fit", "refused (malformed)")] {
            let verifier = try await offCooperativePool {
                try MerchantVerifierTests.startVerifier(directory, issuerPort: server.port, root: root, keySetURL: "http://127.0.0.1:\(server.port)\(path)")
            }
            // Ready from the cache, then a fetch (every second) of this path fails and says why
            // (the status file keeps the last run's error until then).
            var lastError = ""
            try await MerchantVerifierTests.waitUntil("a fetch of \(path) has failed") {
                let status = try await LoopbackHTTP.request(.GET, verifier.baseURL + "/v1/status").object
                lastError = (status["sync"] as? [String: Any])?["last_error"] as? String ?? ""
                return lastError.contains(":\(server.port)\(path) ") || lastError.contains("(malformed)")
            }
            #expect(lastError.contains(reason), "\(path): \(lastError)")
            for _ in 0..<3 {
                let verdict = try await MerchantVerifierTests.verify(verifier, token)
                #expect(verdict["reason"] as? String == "ok", "\(path): \(verdict)")
                try await Task.sleep(for: .seconds(1)) // another fetch meanwhile
            }
            #expect(try await LoopbackHTTP.request(.GET, verifier.baseURL + "/readyz").status == 200)
            let resident = AccountFlowTests.residentKiB(verifier.process.processIdentifier)
            #expect(resident > 0 && resident < 150_000, "\(path): the verifier holds \(resident) KiB")
            #expect(verifier.process.isRunning, "\(path): \(verifier.printed.suffix(2_000))")
            #expect(try await offCooperativePool { verifier.stop() } == 0, "\(path): \(verifier.printed.suffix(2_000))")
        }
        // The huge answer was cut off early: the server never sent it whole.
        let sent = server.printed.split(separator: "\n").filter { $0.hasPrefix("sent /huge ") }.compactMap { Int($0.split(separator: " ").last ?? "") }
        #expect(!sent.isEmpty && sent.allSatisfy { $0 < 50_000_000 }, "\(sent)")
        #expect(try await offCooperativePool { pair.issuer.stop() } == 0)
    }
}
