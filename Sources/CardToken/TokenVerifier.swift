import Foundation

/// Decides whether an AC1 token is good, by the checks and in the order of
/// ac1-token.md §4: structure, algorithm, key, signature, then the claims.
/// Pure: the time comes in with each call.
public struct TokenVerifier: Sendable {
    /// The keys and revoked cards trusted.
    public var keys: TrustedKeySet
    /// The clock leeway L, in seconds.
    public var leeway: Int64
    /// The issuer's time zone, in which a card's valid-through date ends.
    public var issuerTimeZone: TimeZone

    public init(
        keys: TrustedKeySet,
        leeway: Int64 = TokenFormat.defaultLeeway,
        issuerTimeZone: TimeZone = TimeZone(identifier: TokenFormat.defaultTimeZoneIdentifier)!
    ) {
        self.keys = keys
        self.leeway = leeway
        self.issuerTimeZone = issuerTimeZone
    }

    /// Verifies QR text at time `now` (epoch seconds).
    public func verify(_ text: String, now: Int64) -> TokenVerdict {
        let token: ParsedToken
        do {
            token = try ParsedToken(text: text)
        } catch {
            return TokenVerdict(.malformed, error.message)
        }
        return verify(token, now: now)
    }

    /// Verifies a token already parsed.
    public func verify(_ token: ParsedToken, now: Int64) -> TokenVerdict {
        let kid = token.keyID
        guard let algorithm = token.supportedAlgorithm else {
            return TokenVerdict(.unsupportedAlgorithm, "alg \(token.algorithmLabel.shown) under COSE tag \(token.coseTag) is not one AC1 accepts (-8 in tag 18; 5 or 4 in tag 17)", keyID: kid)
        }
        guard let key = keys[kid] else {
            return TokenVerdict(.unknownKey, "no trusted key has kid \(kid)", keyID: kid, algorithm: algorithm)
        }
        guard key.algorithm == algorithm else {
            return TokenVerdict(.unknownKey, "kid \(kid) names a key for \(key.algorithm), but the token uses \(algorithm)", keyID: kid, algorithm: algorithm)
        }
        guard token.withToBeSigned({ key.isValid(signature: token.signature, for: $0) }) else {
            return TokenVerdict(.badSignature, "the \(algorithm.isSymmetric ? "tag" : "signature") does not verify under key \(kid)", keyID: kid, algorithm: algorithm)
        }

        let claims = token.claims
        func refuse(_ reason: VerificationReason, _ detail: String) -> TokenVerdict {
            TokenVerdict(reason, detail, keyID: kid, algorithm: algorithm, claims: claims)
        }
        if key.status == .revoked {
            return refuse(.keyRevoked, "key \(kid) is revoked")
        }
        if !key.signingWindow.contains(issuedAt: claims.issuedAt, leeway: leeway) {
            return refuse(.keyNotValid, "iat \(claims.issuedAt) lies outside key \(kid)'s signing window \(key.signingWindow.shown) with \(leeway) s leeway")
        }
        let iat = Int128(claims.issuedAt), exp = Int128(claims.expiresAt)
        let current = Int128(now), slack = Int128(leeway)
        // Order 7: `iat` is the signer's choice, so only a bound on the
        // lifetime stops a key thief's back-dated, far-future token.
        let maximum = keys.effectiveMaxTokenLifetime
        if exp < iat || exp - iat > Int128(maximum) {
            return refuse(.lifetimeExceeded, "exp − iat is \(exp - iat) s; a genuine token lives between 0 and \(maximum) s")
        }
        if iat > current + slack {
            return refuse(.notYetValid, "issued at \(claims.issuedAt), \(iat - current) s after now; the leeway is \(leeway) s")
        }
        if exp + slack < current {
            return refuse(.expired, "expired at \(claims.expiresAt), \(current - exp) s before now; the leeway is \(leeway) s")
        }
        if CardDate.hasExpired(validThrough: claims.validThrough, atEpochSeconds: now, in: issuerTimeZone) {
            let today = CardDate.yyyymmdd(atEpochSeconds: now, in: issuerTimeZone)
            return refuse(.cardExpired, "the card was valid through \(claims.validThroughDate?.description ?? String(claims.validThrough)); today is \(today) in \(issuerTimeZone.identifier)")
        }
        if keys.revokedCards.contains(claims.cardNumber.rawValue) {
            return refuse(.cardRevoked, "card \(claims.cardNumber) is on the revocation list")
        }
        return refuse(.ok, "valid")
    }
}

extension ParsedToken.AlgorithmLabel {
    var shown: String {
        switch self {
        case .integer(let value?): String(value)
        case .integer(nil): "(an integer outside 64 bits)"
        case .text(let text): "\"\(text)\""
        }
    }
}

extension SigningWindow {
    var shown: String {
        "[\(notBefore.map(String.init) ?? "−∞"), \(expires.map(String.init) ?? "+∞")]"
    }
}
