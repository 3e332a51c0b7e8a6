import AsyncHTTPClient
import CardKeys
import Clocks
import CoreMetrics
import DaemonSupport
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Fetches the issuer's key set (keyset.md §3): `If-None-Match`, the JWS
/// checked under a pinned root, rollback refused, root rotation followed,
/// the new set persisted before it is used.
public struct KeySetSync: Sendable {
    /// What one fetch did.
    public enum Outcome: Sendable, Equatable {
        case updated(seq: UInt64)
        case unchanged
        case failed(String)

        public var isFailure: Bool { if case .failed = self { true } else { false } }
    }

    let configuration: VerifierConfiguration
    let state: VerifierState
    let client: HTTPClient
    let clock: EpochClock
    let logger: Logger
    let metrics: ServiceMetrics

    public init(configuration: VerifierConfiguration, state: VerifierState, client: HTTPClient, clock: EpochClock,
                logger: Logger, metrics: ServiceMetrics) {
        self.configuration = configuration
        self.state = state
        self.client = client
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
    }

    /// One fetch, recorded in the state's sync status.
    @discardableResult
    public func syncOnce() async -> Outcome {
        let now = clock.now()
        let outcome: Outcome
        do {
            outcome = try await withDeadline(seconds: configuration.fetchTimeout) { try await fetch(now: now) }
        } catch is FetchDeadline {
            outcome = .failed("\(configuration.keySetURL ?? "the issuer") did not send a whole key set within \(configuration.fetchTimeout) s")
        } catch is NIOTooManyBytesError {
            // Reached, but the answer is no key set: cut off at the limit, never read whole.
            outcome = .failed("\(configuration.keySetURL ?? "the issuer") sent more than the \(KeySetCache.maximumBytes) bytes a key set may have; the answer was cut off and refused")
        } catch is CancellationError {
            // The daemon is stopping: no attempt was made to record.
            return .failed("the fetch was stopped before it ended")
        } catch {
            outcome = .failed("cannot reach \(configuration.keySetURL ?? "the issuer"): \(Self.describe(error))")
        }
        // Read after the fetch: the set now held, the new one if it was updated.
        let held = state.held
        let decisionTime = state.decisionTime(now: now, leeway: configuration.leeway)
        let status = state.updateSync { status in
            status.lastAttempt = now
            switch outcome {
            case .failed(let reason):
                status.lastError = reason
                status.consecutiveFailures += 1
            case .updated, .unchanged:
                status.lastError = nil
                status.lastSuccess = now
                status.consecutiveFailures = 0
            }
            // The issuer re-signs at half validity: a set still unchanged
            // past it means someone may be withholding newer ones.
            if let held, held.isPastHalfItsValidity(at: decisionTime) {
                status.warning = "the key set (seq \(held.document.seq)) is past half its validity and no newer one has arrived; the issuer re-signs by then, so check the connection to \(configuration.keySetURL ?? "the issuer")"
            } else {
                status.warning = nil
            }
        }
        // Kept on disk so `alumnicard-verifier status` can tell what the daemon
        // saw; written on a thread of the pool kept for blocking work.
        let path = configuration.syncStatusPath
        try? await NIOThreadPool.singleton.runIfActive { SyncStatusFile.save(status, path: path) }
        switch outcome {
        case .updated(let seq):
            metrics.counter("alumnicard_verifier_keyset_syncs_total", [("result", "updated")]).increment()
            logger.info("key set updated", metadata: ["seq": "\(seq)"])
        case .unchanged:
            metrics.counter("alumnicard_verifier_keyset_syncs_total", [("result", "unchanged")]).increment()
        case .failed(let reason):
            metrics.counter("alumnicard_verifier_keyset_syncs_total", [("result", "failed")]).increment()
            logger.warning("key set sync failed", metadata: ["reason": "\(reason)"])
        }
        return outcome
    }

    struct FetchDeadline: Error {}

    /// Runs `body`, giving up after `seconds`: one deadline over the whole
    /// fetch, head and body, so a trickling server cannot pin the loop. At
    /// the deadline, or when the caller is cancelled (the daemon stopping),
    /// the fetch is cancelled and this returns at once; it does not wait for
    /// the fetch to wind down (a task group would).
    private func withDeadline<T: Sendable>(seconds: Int64, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let race = DeadlineRace<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.start(continuation, seconds: seconds, body: body)
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }

    private func fetch(now: Int64) async throws -> Outcome {
        guard let url = configuration.keySetURL else { return .failed("no issuer.keyset_url is configured") }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/jose")
        request.headers.add(name: "User-Agent", value: "alumnicard-verifier")
        var conditional = false
        if state.held != nil, let etag = state.sync.etag {
            request.headers.add(name: "If-None-Match", value: etag)
            conditional = true
        }
        let response = try await client.execute(request, timeout: .seconds(configuration.fetchTimeout))
        if response.status == .notModified {
            // Only an answer to the question asked: a 304 to a plain GET
            // says nothing about the held set.
            return conditional ? .unchanged : .failed("the issuer answered 304 Not Modified to a request that named no ETag")
        }
        guard response.status == .ok else {
            return .failed("the issuer answered HTTP \(response.status.code) for \(url)")
        }
        let body = try await response.body.collect(upTo: KeySetCache.maximumBytes)
        // Past the deadline the answer has been given up: apply nothing.
        try Task.checkCancellation()
        let jws = String(buffer: body).trimmingCharacters(in: .whitespacesAndNewlines)
        // Checking the set and writing the cache and trust record (fsync'd) block:
        // off the cooperative threads.
        let etag = response.headers.first(name: "ETag")
        return try await NIOThreadPool.singleton.runIfActive { apply(jws: jws, etag: etag, now: now) }
    }

    /// Checks a fetched document and, if it is good and new, keeps it: the
    /// cache and the trust record are written before the set is used.
    public func apply(jws: String, etag: String?, now: Int64) -> Outcome {
        let held = state.held
        let at = state.decisionTime(now: now, leeway: configuration.leeway)
        let verdict = KeySetVerifier(pinnedRoots: state.pinnedRoots).verify(jws, floor: state.trust.floor, now: at)
        guard verdict.isOK, let document = verdict.document else {
            return .failed("the fetched key set was refused (\(verdict.reason.rawValue)): \(verdict.detail)")
        }
        if let held, held.jws == jws {
            state.updateSync { $0.etag = etag }
            return .unchanged
        }
        let fresh: HeldKeySet
        do { fresh = try HeldKeySet(jws: jws, verdict: verdict) } catch {
            return .failed("the fetched key set lists unusable keys: \(error)")
        }
        do {
            // Persist first: a crash after this point restarts with the new
            // set, and the cache load follows its rotation again.
            try KeySetCache.save(fresh, path: configuration.cachePath)
            try TrustRecordFile.save(state.trustAfterAccepting(fresh), path: configuration.trustPath)
        } catch {
            return .failed(error.message)
        }
        state.accept(fresh, etag: etag)
        if let retired = fresh.retiredRoot {
            logger.notice("followed a root rotation: the new root is trusted instead of the old one",
                          metadata: ["new_root": "\(fresh.signer.id)", "retired_root": "\(retired.id)"])
        }
        return .updated(seq: document.seq)
    }

    /// AsyncHTTPClient's and NIO's errors describe themselves (connection
    /// refused, timeout, TLS); nothing to add.
    static func describe(_ error: any Error) -> String { "\(error)" }
}

/// A fetch racing its deadline: whichever ends first answers, and the
/// other is cancelled. A cancellation before `start` (the caller's) is kept
/// and answers at once.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var early: Result<T, any Error>?
        var tasks: [Task<Void, Never>] = []
        var finished = false
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>, seconds: Int64, body: @escaping @Sendable () async throws -> T) {
        let early: Result<T, any Error>? = state.withLock { state in
            if state.finished { return state.early }
            state.continuation = continuation
            return nil
        }
        if let early { return continuation.resume(with: early) }
        let work = Task {
            do { self.finish(.success(try await body())) } catch { self.finish(.failure(error)) }
        }
        let deadline = Task {
            guard (try? await Task.sleep(for: .seconds(seconds))) != nil else { return }
            self.finish(.failure(KeySetSync.FetchDeadline()))
        }
        let late = state.withLock { state in
            state.tasks = [work, deadline]
            return state.finished
        }
        if late { work.cancel(); deadline.cancel() }
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, tasks) = state.withLock { state -> (CheckedContinuation<T, any Error>?, [Task<Void, Never>]) in
            guard !state.finished else { return (nil, []) }
            state.finished = true
            if state.continuation == nil { state.early = result }
            return (state.continuation.take(), state.tasks)
        }
        tasks.forEach { $0.cancel() }
        continuation?.resume(with: result)
    }
}
