import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A small, strict SMTP client (RFC 5321) for handing messages to one
/// relay: EHLO, STARTTLS (RFC 3207), AUTH PLAIN or LOGIN (RFC 4954),
/// MAIL, RCPT, DATA, QUIT. One connection per message, no pipelining.
/// Every reply line is bounded, every reply has a timeout, and the whole
/// conversation has one more.
public struct SMTPClient: Sendable {
    public let relay: SMTPRelay
    static let maximumLineLength = 2_048

    public init(relay: SMTPRelay) {
        self.relay = relay
    }

    /// Sends `message` (RFC 5322 text) from `sender` to `recipients`;
    /// returns the relay's answer to the end of DATA (its queue id).
    public func send(from sender: String, to recipients: [String], message: [UInt8]) async throws(SMTPError) -> SMTPReply {
        for address in [sender] + recipients {
            guard !address.isEmpty, address.utf8.count <= 254, address.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") }) else {
                throw SMTPError(.permanent, "an address must be 1–254 printable ASCII characters without spaces or angle brackets")
            }
        }
        guard !recipients.isEmpty else { throw SMTPError(.permanent, "a message needs a recipient") }
        let channel: NIOAsyncChannel<[UInt8], ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.nanoseconds(Int64(relay.connectTimeout.components.seconds) * 1_000_000_000))
                .connect(host: relay.host, port: relay.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(SMTPLineHandler(maximumLineLength: Self.maximumLineLength))
                        return try NIOAsyncChannel<[UInt8], ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw SMTPError(.connect, "cannot connect to \(relay.host):\(relay.port): \(error)")
        }
        let timedOut = NIOLockedValueBox<String?>(nil)
        // Set from STARTTLS until the first answer over TLS: a failure then is the handshake's.
        let handshaking = NIOLockedValueBox(false)
        let raw = channel.channel
        let deadline = raw.eventLoop.scheduleTask(in: .nanoseconds(Int64(relay.totalTimeout.components.seconds) * 1_000_000_000)) {
            timedOut.withLockedValue { $0 = "the whole conversation" }
            raw.close(promise: nil)
        }
        defer { deadline.cancel() }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                var conversation = Conversation(relay: relay, channel: raw, outbound: outbound, iterator: inbound.makeAsyncIterator(), timedOut: timedOut,
                                                handshaking: handshaking)
                return try await conversation.run(sender: sender, recipients: recipients, message: message)
            }
        } catch let error as SMTPError {
            if let what = timedOut.withLockedValue({ $0 }) { throw SMTPError(.timeout, "\(what) took too long (\(relay.host):\(relay.port))") }
            if error.code == .connect && handshaking.withLockedValue({ $0 }) {
                throw SMTPError(.tls, "the TLS handshake with \(relay.host) failed: \(error.message)")
            }
            throw error
        } catch {
            if let what = timedOut.withLockedValue({ $0 }) { throw SMTPError(.timeout, "\(what) took too long (\(relay.host):\(relay.port))") }
            if error is NIOSSLError || handshaking.withLockedValue({ $0 }) {
                throw SMTPError(.tls, "the TLS handshake with \(relay.host) failed: \(error)")
            }
            throw SMTPError(.connect, "the connection to \(relay.host):\(relay.port) failed: \(error)")
        }
    }

    /// One message's exchange, step by step.
    private struct Conversation {
        let relay: SMTPRelay
        let channel: any Channel
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        var iterator: NIOAsyncChannelInboundStream<[UInt8]>.AsyncIterator
        let timedOut: NIOLockedValueBox<String?>
        let handshaking: NIOLockedValueBox<Bool>
        var assembler = SMTPReplyAssembler()
        var secured = false

        mutating func run(sender: String, recipients: [String], message: [UInt8]) async throws -> SMTPReply {
            try expect(await reply(after: "the greeting"), 220, "greeting")
            var capabilities = try await hello()
            if relay.startTLS != .off {
                if capabilities.contains(where: { $0.uppercased() == "STARTTLS" }) {
                    try await command("STARTTLS", expecting: 220)
                    handshaking.withLockedValue { $0 = true }
                    try await startTLS()
                    capabilities = try await hello()
                    handshaking.withLockedValue { $0 = false }
                } else if relay.startTLS == .required {
                    throw SMTPError(.tls, "\(relay.host) does not offer STARTTLS, and mail.starttls is required")
                }
            }
            if let username = relay.username {
                guard secured || relay.startTLS == .off else {
                    throw SMTPError(.tls, "refusing to send the relay password in the clear; the relay did not offer STARTTLS")
                }
                try await authenticate(username: username, password: relay.password ?? "", capabilities: capabilities)
            }
            try await command("MAIL FROM:<\(sender)>", expecting: 250)
            for recipient in recipients {
                let answer = try await send("RCPT TO:<\(recipient)>")
                guard answer.code == 250 || answer.code == 251 else { throw Self.failure(answer, "RCPT") }
            }
            try await command("DATA", expecting: 354)
            try await outbound.write(ByteBuffer(bytes: Self.dotStuffed(message)))
            let accepted = try await reply(after: "the end of the message")
            try expect(accepted, 250, "the message")
            // The message is accepted; a failed QUIT changes nothing.
            _ = try? await send("QUIT")
            return accepted
        }

        mutating func hello() async throws -> [String] {
            let answer = try await send("EHLO \(relay.heloName)")
            try expect(answer, 250, "EHLO")
            return answer.lines.dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
        }

        mutating func startTLS() async throws {
            let context = try NIOSSLContext(configuration: relay.tlsConfiguration())
            let hostname = relay.host.first?.isNumber == true || relay.host.contains(":") ? nil : relay.host
            // The handler is not Sendable: made and added on the channel's own loop.
            let channel = channel
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: hostname), position: .first)
            }.get()
            secured = true
        }

        mutating func authenticate(username: String, password: String, capabilities: [String]) async throws {
            let mechanisms = capabilities.filter { $0.uppercased().hasPrefix("AUTH") }
                .flatMap { $0.uppercased().split(whereSeparator: { $0 == " " || $0 == "=" }).dropFirst().map(String.init) }
            if mechanisms.contains("PLAIN") || mechanisms.isEmpty {
                let token = Data(([0] + Array(username.utf8) + [0] + Array(password.utf8))).base64EncodedString()
                try await command("AUTH PLAIN \(token)", expecting: 235, secret: true)
            } else if mechanisms.contains("LOGIN") {
                try await command("AUTH LOGIN", expecting: 334)
                try await command(Data(username.utf8).base64EncodedString(), expecting: 334, secret: true)
                try await command(Data(password.utf8).base64EncodedString(), expecting: 235, secret: true)
            } else {
                throw SMTPError(.permanent, "\(relay.host) offers neither AUTH PLAIN nor AUTH LOGIN (\(mechanisms.joined(separator: " ")))")
            }
        }

        mutating func command(_ line: String, expecting code: Int, secret: Bool = false) async throws {
            let answer = try await send(line)
            try expect(answer, code, secret ? String(line.prefix(10)) : String(line.prefix(40)))
        }

        mutating func send(_ line: String) async throws -> SMTPReply {
            guard !line.utf8.contains(0x0D), !line.utf8.contains(0x0A) else { throw SMTPError(.permanent, "a command holds a line break") }
            try await outbound.write(ByteBuffer(string: line + "\r\n"))
            return try await reply(after: String(line.prefix(4)))
        }

        mutating func reply(after what: String) async throws -> SMTPReply {
            let channel = channel, timedOut = timedOut
            let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(relay.replyTimeout.components.seconds) * 1_000_000_000)) {
                timedOut.withLockedValue { $0 = $0 ?? "the reply to \(what)" }
                channel.close(promise: nil)
            }
            defer { timer.cancel() }
            while true {
                guard let line = try await iterator.next() else {
                    throw SMTPError(.connect, "\(relay.host) closed the connection while we waited for the reply to \(what)")
                }
                if let reply = try assembler.add(line) { return reply }
            }
        }

        func expect(_ reply: SMTPReply, _ code: Int, _ what: String) throws {
            guard reply.code == code else { throw Self.failure(reply, what) }
        }

        static func failure(_ reply: SMTPReply, _ what: String) -> SMTPError {
            let text = String(reply.lines.joined(separator: " ").prefix(200))
            if (500...599).contains(reply.code) { return SMTPError(.permanent, "\(what): \(reply.code) \(text)") }
            if (400...499).contains(reply.code) { return SMTPError(.temporary, "\(what): \(reply.code) \(text)") }
            return SMTPError(.protocolViolation, "\(what): unexpected \(reply.code) \(text)")
        }

        /// The message with CRLF line ends, each line starting with "."
        /// doubled (RFC 5321 §4.5.2), and the final "." line.
        static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(message.count + message.count / 40 + 8)
            var atLineStart = true
            var previous: UInt8 = 0
            for byte in message {
                if byte == 0x0A && previous != 0x0D { out.append(0x0D) }
                if atLineStart && byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
                out.append(byte)
                atLineStart = byte == 0x0A
                previous = byte
            }
            if !atLineStart { out.append(contentsOf: [0x0D, 0x0A]) }
            out.append(contentsOf: Array(".\r\n".utf8))
            return out
        }
    }
}
