/// Where a key stands in its life, as key sets and JWK Sets state it
/// (keyset.md §1).
public enum KeyStatus: String, Sendable, Codable, CaseIterable {
    /// Announced, not yet signing.
    case published
    /// Signing now.
    case active
    /// No longer signing; its tokens may still be live.
    case retiring
    /// Compromised: its tokens are refused (`key_revoked`).
    case revoked
}
