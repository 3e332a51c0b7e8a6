import Foundation
import Mail
import TestSupport
import Testing

/// The SMTP client against a real SMTP server (aiosmtpd, Tests/Interop/smtp_sink.py) on loopback.
@Suite("SMTP client", .serialized)
struct SMTPClientTests {
    static func sink(_ arguments: [String] = []) async throws -> (daemon: RunningDaemon, directory: URL, certificates: URL) {
        let directory = try ProjectPaths.temporaryDirectory("smtp-sink")
        let mail = directory.appendingPathComponent("mail")
        let daemon = try await offCooperativePool { try RunningDaemon(ProjectPaths.testPython, [ProjectPaths.interopScript("smtp_sink.py").path, mail.path]
                                       + arguments.map { $0 == "CERTS" ? directory.path : $0 },
                                       marker: "smtp sink listening on ") }
        return (daemon, mail, directory)
    }

    static func received(_ directory: URL) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".eml") }.sorted()
        return try names.map { try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8) }
    }

    static let message = MailMessage(from: "alumni@example.edu", fromName: "臺大校友中心", to: "mei@example.org",
                                     subject: "測試信件 / A test message with a long subject that must be folded onto several lines",
                                     body: "第一行\n.a line that starts with a dot\n..and two\nlast line", date: Date(timeIntervalSince1970: 1_800_000_000),
                                     messageID: "test-1@example.edu")

    @Test func aMessageArrivesWhole() async throws {
        let (daemon, directory, _) = try await Self.sink()
        defer { daemon.stop() }
        let client = SMTPClient(relay: SMTPRelay(host: "127.0.0.1", port: daemon.port, startTLS: .off))
        let rendered = try Self.message.rendered()
        let reply = try await client.send(from: "alumni@example.edu", to: ["mei@example.org"], message: rendered)
        #expect(reply.code == 250)
        let stored = try #require(try Self.received(directory).first)
        #expect(stored.hasPrefix("X-Envelope-From: <alumni@example.edu>\r\nX-Envelope-To: <mei@example.org>\r\n"))
        // The server undid the dot-stuffing: the data is byte for byte what was rendered.
        let data = stored.components(separatedBy: "X-Envelope-To: <mei@example.org>\r\n")[1]
        #expect(Array(data.utf8) == rendered)
        // An independent MIME parser reads the subject and body back.
        let parsed = try await offCooperativePool { try ExternalTool.run(ProjectPaths.testPython, ["-c", """
            import email, email.policy, sys
            m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
            print(m["subject"]); print(m.get_content(), end="")
            """], input: Data(rendered)) }
        // (Line ends as the parser gives them; the body was sent with CRLF.)
        #expect(String(decoding: parsed, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n") == Self.message.subject + "\n" + Self.message.body)
    }

    @Test func startTLSAndAuthenticationAreUsed() async throws {
        let (daemon, directory, certificates) = try await Self.sink(["--tls", "CERTS", "--auth", "relay-user:relay-secret"])
        defer { daemon.stop() }
        let relay = SMTPRelay(host: "127.0.0.1", port: daemon.port, startTLS: .required, username: "relay-user", password: "relay-secret",
                              trustRootsFile: certificates.appendingPathComponent("cert.pem").path)
        let reply = try await SMTPClient(relay: relay).send(from: "alumni@example.edu", to: ["mei@example.org"], message: try Self.message.rendered())
        #expect(reply.code == 250)
        #expect(try Self.received(directory).count == 1)

        var wrong = relay
        wrong.password = "not-it"
        await #expect(throws: SMTPError(.permanent, "")) {
            try await SMTPClient(relay: wrong).send(from: "alumni@example.edu", to: ["mei@example.org"], message: try Self.message.rendered())
        }
        // A certificate nobody vouches for is refused.
        var untrusted = relay
        untrusted.trustRootsFile = nil
        await #expect(throws: SMTPError(.tls, "")) {
            try await SMTPClient(relay: untrusted).send(from: "alumni@example.edu", to: ["mei@example.org"], message: try Self.message.rendered())
        }
        #expect(try Self.received(directory).count == 1)
    }

    @Test func requiredStartTLSIsNeverSkipped() async throws {
        let (daemon, directory, _) = try await Self.sink()
        defer { daemon.stop() }
        let relay = SMTPRelay(host: "127.0.0.1", port: daemon.port, startTLS: .required, username: "u", password: "p")
        await #expect(throws: SMTPError(.tls, "")) {
            try await SMTPClient(relay: relay).send(from: "alumni@example.edu", to: ["mei@example.org"], message: try Self.message.rendered())
        }
        #expect(try Self.received(directory).isEmpty)
    }

    @Test func noServerAndASilentServerFailInTime() async throws {
        // A port with nothing listening.
        let closed = SMTPRelay(host: "127.0.0.1", port: 9, startTLS: .off)
        await #expect(throws: SMTPError(.connect, "")) {
            try await SMTPClient(relay: closed).send(from: "a@example.edu", to: ["b@example.org"], message: Array("x".utf8))
        }
        // A socket that accepts (the kernel's backlog) and never greets.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(listener, 4)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        var silent = SMTPRelay(host: "127.0.0.1", port: Int(UInt16(bigEndian: address.sin_port)), startTLS: .off)
        silent.replyTimeout = .seconds(1)
        let started = ContinuousClock.now
        await #expect(throws: SMTPError(.timeout, "")) {
            try await SMTPClient(relay: silent).send(from: "a@example.edu", to: ["b@example.org"], message: Array("x".utf8))
        }
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func headerValuesCannotAddHeaders() {
        let forged = MailMessage(from: "a@example.edu", fromName: nil, to: "b@example.org\r\nBcc: c@example.org", subject: "x", body: "y",
                                 date: Date(), messageID: "m@example.edu")
        #expect(throws: SMTPError(.permanent, "")) { try forged.rendered() }
    }
}
