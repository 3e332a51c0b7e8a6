/// What a verifier trusts: keys by kid, and the card numbers whose tokens
/// must be refused before they expire (ac1-token.md §5, keyset.md §1).
public struct TrustedKeySet: Sendable {
    /// The keys, by kid.
    public private(set) var keys: [KeyID: TrustedKey]
    /// Card numbers on the revocation list.
    public var revokedCards: Set<String>
    /// The longest `exp − iat` a genuine token has (ac1-token.md §4, `M`);
    /// nil when the key set or key file gives none.
    public var maxTokenLifetime: Int64?

    /// A set of keys; two keys with one kid are refused, because a kid must
    /// name one key.
    public init(keys: some Sequence<TrustedKey>, revokedCards: some Sequence<String> = [],
                maxTokenLifetime: Int64? = nil) throws(CardTokenError) {
        if let maxTokenLifetime, maxTokenLifetime <= 0 {
            throw CardTokenError(.invalidKey, "max_token_lifetime is \(maxTokenLifetime); it must be a positive number of seconds")
        }
        var byID: [KeyID: TrustedKey] = [:]
        for key in keys {
            guard byID.updateValue(key, forKey: key.id) == nil else {
                throw CardTokenError(.invalidKey, "two keys share the kid \(key.id); every kid must name one key")
            }
        }
        self.keys = byID
        self.revokedCards = Set(revokedCards)
        self.maxTokenLifetime = maxTokenLifetime
    }

    /// `M` as verifiers apply it: the set's own, or the spec's default.
    public var effectiveMaxTokenLifetime: Int64 { maxTokenLifetime ?? TokenFormat.defaultMaxTokenLifetime }

    /// An empty set: every token is `unknown_key`.
    public static let empty = try! TrustedKeySet(keys: [])

    /// The key a kid names.
    public subscript(id: KeyID) -> TrustedKey? { keys[id] }

    /// The keys, ordered by kid for stable output.
    public var sortedKeys: [TrustedKey] { keys.values.sorted { $0.id < $1.id } }
}
