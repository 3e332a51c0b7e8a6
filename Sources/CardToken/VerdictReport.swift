/// A verdict as JSON for scripts, HTTP clients and scanner pages: the same
/// shape from `alumnicard token verify --json`, the issuer's online
/// `/v1/verify` and the merchant verifier.
public struct VerdictReport: Codable, Hashable, Sendable {
    /// `ok` or `refused`.
    public var verdict: String
    /// The reason code of ac1-token.md §4.
    public var reason: String
    /// What the reason means for the person at the till, in English.
    public var message: String
    /// Which check failed and on what value.
    public var detail: String
    public var kid: String?
    public var alg: String?
    public var cardNumber: String?
    /// The holder's display name, masked by the issuer.
    public var holderName: String?
    /// The card's valid-through date, `YYYY-MM-DD`.
    public var validThrough: String?
    public var issuedAt: UInt64?
    public var expiresAt: UInt64?
    /// Seconds until the token expires (without leeway); 0 once past.
    public var secondsLeft: Int64?
    /// The token id, in hexadecimal.
    public var tokenID: String?
    /// The `seq` of the key set the verdict was reached with (daemons only).
    public var keysetSeq: UInt64?
    /// Seconds since that key set was signed (its `iat`).
    public var keysetAgeSeconds: Int64?
    /// Whether this token was presented before (the merchant verifier's replay cache).
    public var seenBefore: Bool?
    /// When it was first presented, seconds since the Unix epoch.
    public var firstSeenAt: Int64?
    /// Set when this device's clock is behind a time it has seen proven
    /// (a key set's or a token's), by more than the leeway.
    public var clockWarning: String?

    enum CodingKeys: String, CodingKey {
        case verdict, reason, message, detail, kid, alg
        case cardNumber = "card_number"
        case holderName = "holder_name"
        case validThrough = "valid_through"
        case issuedAt = "issued_at"
        case expiresAt = "expires_at"
        case secondsLeft = "seconds_left"
        case tokenID = "token_id"
        case keysetSeq = "keyset_seq"
        case keysetAgeSeconds = "keyset_age_seconds"
        case seenBefore = "seen_before"
        case firstSeenAt = "first_seen_at"
        case clockWarning = "clock_warning"
    }

    /// A report of a daemon's own answer (e.g. `keyset_stale`), with no token facts.
    public init(verdict: String, reason: String, message: String, detail: String) {
        self.verdict = verdict
        self.reason = reason
        self.message = message
        self.detail = detail
    }

    /// The report of `verdict`, reached at `now`. Claims appear only when the
    /// signature verified.
    public init(_ verdict: TokenVerdict, now: Int64) {
        self.verdict = verdict.isOK ? "ok" : "refused"
        reason = verdict.reason.code
        message = verdict.reason.explanation
        detail = verdict.detail
        kid = verdict.keyID?.base64URL
        alg = verdict.algorithm?.jwkName
        if let claims = verdict.claims {
            cardNumber = claims.cardNumber.rawValue
            holderName = claims.holderName.rawValue
            validThrough = claims.validThroughDate?.description ?? String(claims.validThrough)
            issuedAt = claims.issuedAt
            expiresAt = claims.expiresAt
            let left = Int128(claims.expiresAt) - Int128(now)
            secondsLeft = Int64(clamping: max(0, left))
            tokenID = claims.tokenID.hex
        }
    }
}
