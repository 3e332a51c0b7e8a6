import Foundation
import NIOHTTP1
import TestSupport
import Testing

/// Issue #27: the key set on any static host. `alumnicard keyset publish`
/// writes the files; a real nginx serves them with the shipped
/// `Config/nginx/keyset-static.conf`; a real merchant verifier syncs from
/// nginx alone (the issuer stopped) and verifies a card's token, and
/// nginx answers its conditional refreshes 304.
@Suite("The key set from a static web server", .serialized, .onItsOwnThread)
struct StaticKeySetTests {
    /// nginx on `port` with the shipped server block, its root and port set
    /// for the test; logs and temporary files under `directory`.
    static func startNginx(_ directory: URL, root: URL, port: Int) throws -> Process {
        let shipped = try String(contentsOf: ProjectPaths.packageRoot.appendingPathComponent("Config/nginx/keyset-static.conf"), encoding: .utf8)
        let site = shipped
            .replacingOccurrences(of: "listen 8080;", with: "listen 127.0.0.1:\(port);")
            .replacingOccurrences(of: "root /var/www/alumnicard-keyset;", with: "root \(root.path);")
        #expect(site != shipped, "the test rewrote the shipped block's listen and root lines")
        return try TestNginx.start(directory, sites: [site])
    }

    @Test func aVerifierSyncsFromNginxServingThePublishedFilesAndIsAnswered304() async throws {
        let directory = try ProjectPaths.temporaryDirectory("static-keyset")
        defer { try? FileManager.default.removeItem(at: directory) }
        // A development issuer signs its first key set; a token is fetched; then the issuer stops.
        let issuer = try MerchantVerifierTests.startIssuer(directory)
        let (token, _) = try await MerchantVerifierTests.cardToken(issuer)
        let served = try await LoopbackHTTP.request(.GET, issuer.baseURL + "/.well-known/alumni-card/keyset.jws")
        #expect(issuer.stop() == 0)

        let data = directory.appendingPathComponent("issuer")
        let root = directory.appendingPathComponent("www")
        let published = try ExternalTool.runCollecting(ProjectPaths.builtProduct("alumnicard"),
                                                       ["keyset", "publish", "--out", root.path, "--data-dir", data.path, "--kek", data.appendingPathComponent("kek").path],
                                                       environment: ["PATH": "/usr/bin:/bin"])
        #expect(published.status == 0, "\(published.standardError)")
        let jws = try String(contentsOf: root.appendingPathComponent(".well-known/alumni-card/keyset.jws"), encoding: .utf8)
        #expect(jws == served.text, "the published file is the set the issuer served")
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent(".well-known/jwks.json").path))

        let port = AccountFlowTests.freePort()
        let nginx = try Self.startNginx(directory, root: root, port: port)
        defer { nginx.terminate(); nginx.waitUntilExit() }
        let url = "http://127.0.0.1:\(port)/.well-known/alumni-card/keyset.jws"
        try await MerchantVerifierTests.waitUntil("nginx serves the key set") { try await LoopbackHTTP.request(.GET, url).status == 200 }
        let fetched = try await LoopbackHTTP.request(.GET, url)
        #expect(fetched.headers["Content-Type"].first == "application/jose")
        #expect(fetched.headers["Cache-Control"].first == "public, max-age=150")
        let etag = try #require(fetched.headers["ETag"].first)
        let again = try await LoopbackHTTP.request(.GET, url, headers: ["If-None-Match": etag])
        #expect(again.status == 304)
        let jwks = try await LoopbackHTTP.request(.GET, "http://127.0.0.1:\(port)/.well-known/jwks.json")
        #expect(jwks.status == 200 && jwks.headers["Content-Type"].first == "application/jwk-set+json")
        #expect(try await LoopbackHTTP.request(.GET, "http://127.0.0.1:\(port)/v1/session").status == 404)

        let verifier = try MerchantVerifierTests.startVerifier(directory, issuerPort: 0, root: data.appendingPathComponent("root.pub.jwk").path, keySetURL: url)
        defer { _ = verifier.stop() }
        try await MerchantVerifierTests.waitUntil("the verifier is ready") {
            try await LoopbackHTTP.request(.GET, verifier.baseURL + "/readyz").status == 200
        }
        let answer = try await MerchantVerifierTests.verify(verifier, token)
        #expect(answer["verdict"] as? String == "ok", "\(answer)")
        // The verifier refreshes every second: its conditional requests get 304 from nginx.
        try await MerchantVerifierTests.waitUntil("nginx answered the verifier 304") {
            let log = (try? String(contentsOf: directory.appendingPathComponent("access.log"), encoding: .utf8)) ?? ""
            return log.split(separator: "\n").contains { $0.contains("keyset.jws") && $0.contains("\" 304 ") && $0.contains("alumnicard-verifier") }
        }
    }
}
