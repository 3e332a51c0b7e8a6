/// The inputs of the rotation schedule, in seconds, and the timings derived
/// from them (RFC 7583 §3.3 and §4.1, pre-publication).
///
/// - A new key is published at least ``publicationLead`` before it may
///   sign: a verifier that synced just before the key appeared, then went
///   offline for its whole grace, still holds it when it starts signing.
/// - A key that stops signing stays in the set for ``retention``: the
///   tokens handed out ahead of their windows (``handedOutAhead``), its last
///   token's lifetime plus the clock leeway plus the margin.
public struct RotationPolicy: Sendable, Equatable {
    /// `exp − iat` of every token (ac1-token.md §3).
    public var tokenLifetime: Int64
    /// How often verifiers fetch the key set (keyset.md §3).
    public var refreshInterval: Int64
    /// The longest a verifier may stay offline and keep verifying.
    public var offlineGrace: Int64
    /// Extra time on every bound, for slow propagation and late timers.
    public var safetyMargin: Int64
    /// How long a key signs before its successor takes over.
    public var rotationPeriod: Int64
    /// The verifiers' clock leeway L (ac1-token.md §4).
    public var leeway: Int64
    /// How often `keys rotate --if-due` runs: a handoff may come this late.
    public var checkInterval: Int64
    /// How far ahead of its window a token may be handed out (a phone's
    /// day of tokens, `tokens.max_prefetch_windows`): the last one a key
    /// signed before it stopped may start its window this much later.
    public var handedOutAhead: Int64 = 0

    public static let `default` = RotationPolicy(
        tokenLifetime: 360, refreshInterval: 600, offlineGrace: 3 * 86_400,
        safetyMargin: 3_600, rotationPeriod: 30 * 86_400, leeway: 90, checkInterval: 86_400
    )

    public init(tokenLifetime: Int64, refreshInterval: Int64, offlineGrace: Int64, safetyMargin: Int64,
                rotationPeriod: Int64, leeway: Int64, checkInterval: Int64) {
        self.tokenLifetime = tokenLifetime
        self.refreshInterval = refreshInterval
        self.offlineGrace = offlineGrace
        self.safetyMargin = safetyMargin
        self.rotationPeriod = rotationPeriod
        self.leeway = leeway
        self.checkInterval = checkInterval
    }

    /// Publication to earliest signing: refresh interval + offline grace + margin.
    public var publicationLead: Int64 { refreshInterval + offlineGrace + safetyMargin }

    /// Last signature to removal: tokens handed out ahead + token lifetime + leeway + margin.
    public var retention: Int64 { handedOutAhead + tokenLifetime + leeway + safetyMargin }

    /// How far past its planned end a key's signing window reaches, so a
    /// handoff made by a late daily run still falls inside it.
    public var windowSlack: Int64 { checkInterval + safetyMargin }

    /// Checks that the schedule can work; the message names the problem.
    public func validate() throws(CardKeysError) {
        let named: [(String, Int64)] = [
            ("token lifetime", tokenLifetime), ("refresh interval", refreshInterval), ("offline grace", offlineGrace),
            ("safety margin", safetyMargin), ("rotation period", rotationPeriod), ("leeway", leeway), ("check interval", checkInterval),
        ]
        for (name, value) in named where value < 0 || value > 10 * 365 * 86_400 {
            throw CardKeysError(.invalidPolicy, "the \(name) is \(value) s; it must lie between 0 and ten years")
        }
        guard tokenLifetime > 0, refreshInterval > 0, rotationPeriod > 0, checkInterval > 0 else {
            throw CardKeysError(.invalidPolicy, "the token lifetime, refresh interval, rotation period and check interval must be positive")
        }
        // The next standby is published when a key activates; it must be
        // ready before the key's period ends, or rotation would stall.
        guard publicationLead <= rotationPeriod else {
            throw CardKeysError(.invalidPolicy, "the rotation period (\(rotationPeriod) s) is shorter than the publication lead, refresh interval + offline grace + margin (\(publicationLead) s); lengthen the period or shorten the grace")
        }
        guard checkInterval < rotationPeriod else {
            throw CardKeysError(.invalidPolicy, "the check interval (\(checkInterval) s) must be shorter than the rotation period (\(rotationPeriod) s)")
        }
    }
}
