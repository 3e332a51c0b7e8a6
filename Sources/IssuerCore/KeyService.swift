import CardKeys
import CardToken
import Clocks
import Foundation
import IssuerStore
import Logging

/// The signing keys and the key set (docs/keys.md): rotation and
/// revocation by an administrator or the daemon's timer, each followed by
/// the same effects whoever asked (caches forgotten, the key set re-signed
/// when this host holds the root, the change counted).
package struct KeyService: Sendable {
    package let keys: any KeyRepository
    package let publisher: KeySetPublisher
    package let caches: IssuerCaches
    package let clock: IssuerClock
    package let metrics: any FlowMetrics
    package let logger: Logger
    /// The algorithm new keys get (`issuer.algorithm`).
    package let algorithm: CoseAlgorithm

    package init(keys: any KeyRepository, publisher: KeySetPublisher, caches: IssuerCaches, clock: IssuerClock, metrics: any FlowMetrics,
                 logger: Logger, algorithm: CoseAlgorithm) {
        self.keys = keys
        self.publisher = publisher
        self.caches = caches
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.algorithm = algorithm
    }

    /// The ring as stored, and the sequence number of the current key set.
    package func overview() async throws -> (ring: KeyRing, keySetSeq: UInt64) {
        (try await keys.ring(), try await keys.currentSeq())
    }

    package func ring() async throws -> KeyRing {
        try await keys.ring()
    }

    /// Rotates now (`ifDue` false), or only when the schedule says so.
    package func rotate(ifDue: Bool, actor: String) async throws -> [KeyChange] {
        let changes = try await refusedAsConflict("rotation_refused") {
            try await keys.rotate(now: clock.now(), force: !ifDue, ifDue: ifDue, actor: actor, algorithm: algorithm)
        }
        for _ in changes { metrics.keyChange("admin_rotation") }
        try await keysChanged(actor: actor)
        return changes
    }

    /// Revokes a key: tokens it signed stop verifying once the new key set is out.
    package func revoke(_ kid: KeyID, reason: String, actor: String) async throws -> [KeyChange] {
        guard try await keys.ring()[kid] != nil else { throw IssuerError.notFound("there is no key \(kid.base64URL)") }
        let changes = try await refusedAsConflict("revocation_refused") {
            try await keys.revoke(kid, reason: reason, now: clock.now(), actor: actor)
        }
        metrics.keyChange("revocation")
        try await keysChanged(actor: actor)
        return changes
    }

    /// After any key change: forget cached keys, re-sign the key set if this host holds the root.
    package func keysChanged(actor: String) async throws {
        caches.keysChanged()
        try await publisher.refreshIfNeeded(now: clock.now(), actor: actor)
    }

    /// One run of the daemon's rotation timer: rotate when due, keep the
    /// key set fresh, drop tokens of ended windows from memory.
    @discardableResult
    package func rotationTick(actor: String = "daemon") async -> [KeyChange] {
        let now = clock.now()
        var changes: [KeyChange] = []
        do {
            changes = try await keys.rotate(now: now, force: false, ifDue: true, actor: actor, algorithm: algorithm)
            for change in changes {
                logger.notice("key change", metadata: ["change": "\(change)"])
                metrics.keyChange("rotation")
            }
            if !changes.isEmpty { caches.keysChanged() }
            try await publisher.refreshIfNeeded(now: now, actor: actor)
        } catch {
            // A shutdown cancels the tick; that is no failure.
            if !Task.isCancelled {
                logger.error("key rotation check failed", metadata: ["error": "\(IssuerStoreError.wrapping(error, "rotation").message)"])
            }
        }
        caches.tokens.prune(now: now)
        return changes
    }

    /// What keeps this host from answering token requests: no active key,
    /// no key set. Empty when ready.
    package func readinessProblems() async -> [String] {
        var problems: [String] = []
        do {
            if try await keys.ring().active == nil { problems.append("there is no active signing key") }
        } catch {
            problems.append(IssuerStoreError.wrapping(error, "cannot read the keys").message)
        }
        if await publisher.current(now: clock.now()) == nil { problems.append("no key set has been signed or installed") }
        return problems
    }

    /// A key change the ring refuses is a conflict that says why.
    private func refusedAsConflict<T: Sendable>(_ code: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as IssuerStoreError where error.code == .keyChangeRefused {
            throw IssuerError(.conflict, code: code, error.message)
        }
    }
}
