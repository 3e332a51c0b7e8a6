import Clocks
import Foundation
import IssuerStore
import Logging
import Mail
import NIOPosix
import SecureFiles
import ServiceLifecycle
import Synchronization

/// How a queued message leaves the daemon.
package protocol MailTransport: Sendable {
    /// Hands the message over; returns what the other side said.
    func deliver(_ mail: QueuedMail, from sender: String) async throws(SMTPError) -> String
    /// For the start-up log: where mail goes.
    var summary: String { get }
}

/// Through the configured SMTP relay.
package struct SMTPTransport: MailTransport {
    package let client: SMTPClient

    package init(client: SMTPClient) {
        self.client = client
    }

    package func deliver(_ mail: QueuedMail, from sender: String) async throws(SMTPError) -> String {
        try await client.send(from: sender, to: [mail.recipient], message: mail.message).description
    }

    package var summary: String { "SMTP relay \(client.relay.host):\(client.relay.port) (STARTTLS \(client.relay.startTLS.rawValue))" }
}

/// `serve --dev` without a relay: each message becomes an .eml file (0600)
/// in the data directory's `mail/` folder, so every flow can be followed
/// without an SMTP server.
package struct MailDirectoryTransport: MailTransport {
    package let directory: String

    package init(directory: String) {
        self.directory = directory
    }

    package func deliver(_ mail: QueuedMail, from sender: String) async throws(SMTPError) -> String {
        let path = (directory as NSString).appendingPathComponent("\(String(format: "%08d", mail.id))-\(mail.kind).eml")
        let text = Data("X-Envelope-To: <\(mail.recipient)>\r\n".utf8) + Data(mail.message)
        do {
            try await NIOThreadPool.singleton.runIfActive {
                _ = try SecureFile.makePrivateDirectory(directory)
                try SecureFile.write(text, to: path, replacing: true)
            }
        } catch {
            throw SMTPError(.temporary, "cannot write \(path): \(error)")
        }
        return "written to \(path)"
    }

    package var summary: String { "files in \(directory) (development: no SMTP relay configured)" }
}

/// Sends the outbox: due messages in order, each attempt recorded, a
/// temporary failure retried with doubling backoff (`mail.retry_initial`,
/// default a minute, to an hour),
/// a permanent one or one older than `giveUpAfter` marked failed for
/// staff to see. Woken when a change queues mail; otherwise it looks
/// every few seconds.
package final class MailDeliveryService: Service, Sendable {
    package let outbox: any OutboxRepository
    package let transport: any MailTransport
    package let sender: String
    package let giveUpAfter: Int64
    package let retryInitial: Int64
    package let clock: IssuerClock
    package let logger: Logger
    package let metrics: any FlowMetrics
    /// Where each pass shows it is alive while it sends (``OutboxRepository/claim(now:limit:lease:claimer:)``).
    package let instances: any InstanceRepository
    private let signal = Mutex<AsyncStream<Void>.Continuation?>(nil)
    package static let idleInterval: Duration = .seconds(5)

    package init(outbox: any OutboxRepository, transport: any MailTransport, sender: String, giveUpAfter: Int64, retryInitial: Int64, clock: IssuerClock, logger: Logger,
         metrics: any FlowMetrics, instances: any InstanceRepository) {
        self.instances = instances
        self.retryInitial = retryInitial
        self.outbox = outbox
        self.transport = transport
        self.sender = sender
        self.giveUpAfter = giveUpAfter
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
    }

    /// Asks the loop to look at the outbox now.
    package func wake() {
        wakes.withLock { $0 += 1 }
        _ = signal.withLock { $0?.yield() }
    }

    /// How often it was woken: the tests' check that every entry point of an action wakes it.
    private let wakes = Mutex(0)
    package var wakeCount: Int { wakes.withLock { $0 } }

    package func run() async throws {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        signal.withLock { $0 = continuation }
        logger.info("mail delivery started", metadata: ["transport": "\(transport.summary)"])
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: Self.idleInterval)
                        continuation.yield()
                    }
                }
                group.addTask {
                    for await _ in stream {
                        if Task.isCancelled { break }
                        await self.deliverDue()
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
        continuation.finish()
    }

    /// What the outbox holds, for staff: the counts, and the latest messages of one status.
    package func summary(status: String?, limit: Int) async throws -> MailSummary {
        try await outbox.summary(status: status, limit: limit)
    }

    /// Drops the text of messages sent more than `age` seconds ago; their record stays.
    package func pruneSent(olderThan age: Int64) async throws {
        try await outbox.pruneSent(olderThan: age, now: clock.now())
    }

    /// One mail is taken at a time, for longer than its sending can take
    /// on the slowest relay (each step of SMTP times out within a minute),
    /// so no second instance takes it while the first still sends it.
    static let claimBatch = 1
    static let claimLease: Int64 = 600
    /// A pass's liveness lease, renewed every third of it while the pass
    /// runs and given up when it ends: the claims of an instance killed
    /// mid-pass are free again within this time.
    static let alive: Int64 = 30

    /// One pass over the due messages, as a claimer of its own (a random
    /// name, so that two passes of one process never take each other's
    /// mail), alive throughout; returns how many were sent.
    @discardableResult
    package func deliverDue() async -> Int {
        let claimer = (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        // The pass's liveness is a lease held, renewed and given up as any once-only work's.
        let alive = OnceAcrossInstances(instances: instances, clock: clock, logger: logger, holder: claimer)
        return await alive.run(OutboxRules.livenessLease(of: claimer), duration: Self.alive) { await self.deliverClaimed(as: claimer) } ?? 0
    }

    private func deliverClaimed(as claimer: String) async -> Int {
        let outbox = outbox
        var sent = 0
        do {
            while true {
                let now = clock.now()
                let batch = try await outbox.claim(now: now, limit: Self.claimBatch, lease: Self.claimLease, claimer: claimer)
                if batch.isEmpty { break }
                for (index, mail) in batch.enumerated() {
                    if Task.isCancelled {
                        // Shutting down: give back what was taken and not sent, so another instance (or the next start) sends it now.
                        // A new task, so the cancellation does not stop the write.
                        let unsent = batch[index...].map(\.id)
                        await Task { try? await outbox.releaseClaims(ids: unsent) }.value
                        return sent
                    }
                    if await deliver(mail) { sent += 1 }
                }
            }
        } catch {
            // A shutdown cancels the pass; that is no failure.
            if !Task.isCancelled {
                logger.error("cannot read the mail outbox", metadata: ["error": "\(IssuerStoreError.wrapping(error, "outbox").message)"])
            }
        }
        return sent
    }

    private func deliver(_ mail: QueuedMail) async -> Bool {
        let outcome: MailOutcome
        var detail: String
        var retryAt: Int64?
        do {
            detail = try await transport.deliver(mail, from: sender)
            outcome = .sent
            logger.info("mail sent", metadata: ["mail": "\(mail.id)", "kind": "\(mail.kind)"])
        } catch {
            detail = error.description
            let now = clock.now()
            if error.isPermanent || now - mail.createdAt >= giveUpAfter {
                outcome = .failed
                logger.error("mail failed", metadata: ["mail": "\(mail.id)", "kind": "\(mail.kind)", "error": "\(error.code.rawValue)",
                                                       "attempts": "\(mail.attempts + 1)"])
            } else {
                outcome = .retry
                let backoff = min(retryInitial << min(mail.attempts, 12), 3_600)
                retryAt = now + backoff
                logger.warning("mail delivery will be retried", metadata: ["mail": "\(mail.id)", "kind": "\(mail.kind)",
                                                                          "error": "\(error.code.rawValue)", "retry_in": "\(backoff)"])
            }
        }
        metrics.mail(outcome.rawValue)
        let outbox = outbox, now = clock.now(), finalDetail = detail, retry = retryAt
        do {
            try await outbox.record(id: mail.id, outcome: outcome, detail: finalDetail, retryAt: retry, now: now)
        } catch {
            if !Task.isCancelled {
                logger.error("cannot record a mail attempt", metadata: ["mail": "\(mail.id)", "error": "\(IssuerStoreError.wrapping(error, "outbox").message)"])
            }
        }
        return outcome == .sent
    }
}
