import CardKeys
import CardToken
import Clocks
import CoreMetrics
import DaemonSupport
import Foundation

/// Decides on one scanned token, offline: the held key set, the spec's
/// checks, the replay cache, the clock check; then records the decision in
/// the audit log.
public struct VerificationService: Sendable {
    let configuration: VerifierConfiguration
    let state: VerifierState
    let replay: ReplayCache
    let audit: VerifierAuditLog?
    let clock: EpochClock
    let verdicts: CounterFamily

    public init(configuration: VerifierConfiguration, state: VerifierState, replay: ReplayCache, audit: VerifierAuditLog?,
                clock: EpochClock, metrics: ServiceMetrics) {
        self.configuration = configuration
        self.state = state
        self.replay = replay
        self.audit = audit
        self.clock = clock
        verdicts = CounterFamily("alumnicard_verifier_verifications_total", by: "reason",
                                 values: VerificationReason.allCases.map(\.code) + [LocalReason.keySetStale, LocalReason.replayed], metrics: metrics)
    }

    /// The reason codes this verifier adds to the spec's (ac1-token.md §4).
    public enum LocalReason {
        /// No key set, or the held one is past `exp` + offline grace: no verdict.
        public static let keySetStale = "keyset_stale"
        /// A valid token seen before, under the `reject` replay policy.
        public static let replayed = "replayed"
    }

    public func verify(_ text: String) -> VerdictReport {
        let clockTime = clock.now()
        // Every check at max(now, T − L): a clock set back cannot revive
        // an expired code or key set (keyset.md §3).
        let now = state.decisionTime(now: clockTime, leeway: configuration.leeway)
        var report: VerdictReport
        var cardNumber: String?
        if let held = state.held, !held.isStale(at: now, offlineGrace: configuration.offlineGrace) {
            let verdict = TokenVerifier(keys: held.keys, leeway: configuration.leeway, issuerTimeZone: configuration.timeZone).verify(text, now: now)
            report = VerdictReport(verdict, now: now)
            report.keysetSeq = held.document.seq
            report.keysetAgeSeconds = Self.secondsBetween(held.document.iat, now)
            if verdict.isOK, let claims = verdict.claims {
                cardNumber = claims.cardNumber.rawValue
                state.sawTrustedTime(Int64(clamping: claims.issuedAt))
                let (expires, overflow) = Int64(clamping: claims.expiresAt).addingReportingOverflow(configuration.leeway)
                applyReplayPolicy(&report, tokenID: claims.tokenID, expires: overflow ? .max : expires, now: now)
            }
        } else {
            report = Self.staleReport(held: state.held, now: now, grace: configuration.offlineGrace)
        }
        if now > clockTime {
            report.clockWarning = "this device's clock is at least \(Self.secondsBetween(clockTime, now)) s behind a time already proven (key set or card), so the verifier decided as of that time; set the clock right"
        }
        verdicts.increment(report.reason)
        audit?.record(at: now, kid: report.kid, cardNumber: cardNumber, verdict: report.verdict, reason: report.reason)
        return report
    }

    private func applyReplayPolicy(_ report: inout VerdictReport, tokenID: TokenID, expires: Int64, now: Int64) {
        guard configuration.replayPolicy != .allow else { return }
        guard let sighting = replay.record(tokenID.rawValue, expires: expires, now: now) else {
            report.seenBefore = false
            return
        }
        report.seenBefore = true
        report.firstSeenAt = sighting.firstSeen
        if configuration.replayPolicy == .reject {
            report.verdict = "refused"
            report.reason = LocalReason.replayed
            report.message = "This code was already scanned; ask the holder to show the card live in the app."
            report.detail = "token \(tokenID.hex) was first presented at \(sighting.firstSeen) and \(sighting.count) time(s) since"
        }
    }

    /// `later − earlier`, never negative, saturating.
    static func secondsBetween(_ earlier: Int64, _ later: Int64) -> Int64 {
        let (difference, overflow) = later.subtractingReportingOverflow(earlier)
        return overflow ? .max : max(0, difference)
    }

    static func staleReport(held: HeldKeySet?, now: Int64, grace: Int64) -> VerdictReport {
        var report = VerdictReport(verdict: "unavailable", reason: LocalReason.keySetStale,
                                   message: "This verifier's keys are out of date, so it cannot decide. Connect it to the network so it can sync.",
                                   detail: "")
        if let held {
            report.detail = "the key set (seq \(held.document.seq)) expired at \(held.document.exp); with the offline grace of \(grace) s it could be used until \(held.usableUntil(offlineGrace: grace))"
            report.keysetSeq = held.document.seq
            report.keysetAgeSeconds = secondsBetween(held.document.iat, now)
        } else {
            report.detail = "no key set has been fetched yet"
        }
        return report
    }
}
