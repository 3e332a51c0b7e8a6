import CardToken

/// Where a signing key stands in its life (RFC 7583 §3.1 names the same
/// phases: published, active, retired, removed; plus revoked).
///
/// ```
/// published ──► active ──► retiring ──► removed
///      └───────────┴───────────┴──► revoked ──► removed
/// ```
public enum KeyState: String, Sendable, CaseIterable {
    /// In the key set, not yet signing: the standby.
    case published
    /// Signing new tokens. Exactly one key is active at any time.
    case active
    /// No longer signing; in the key set until its last token has expired.
    case retiring
    /// Compromised or withdrawn: in the key set as revoked, so verifiers
    /// refuse its tokens with `key_revoked`, until they would have expired.
    case revoked
    /// Out of the key set for good. Kept in the database for the record.
    case removed

    /// The status a key set states for a key in this state; nil when the
    /// key is not in the set.
    public var publishedStatus: KeyStatus? {
        switch self {
        case .published: .published
        case .active: .active
        case .retiring: .retiring
        case .revoked: .revoked
        case .removed: nil
        }
    }
}
