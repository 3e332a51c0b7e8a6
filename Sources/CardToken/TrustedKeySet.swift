/// What a verifier trusts: keys by kid, and the card numbers whose tokens
/// must be refused before they expire (ac1-token.md §5, keyset.md §1).
public struct TrustedKeySet: Sendable {
    /// The keys, by kid.
    public private(set) var keys: [KeyID: TrustedKey]
    /// Card numbers on the revocation list.
    public var revokedCards: Set<String>

    /// A set of keys; two keys with one kid are refused, because a kid must
    /// name one key.
    public init(keys: some Sequence<TrustedKey>, revokedCards: some Sequence<String> = []) throws(CardTokenError) {
        var byID: [KeyID: TrustedKey] = [:]
        for key in keys {
            guard byID.updateValue(key, forKey: key.id) == nil else {
                throw CardTokenError(.invalidKey, "two keys share the kid \(key.id); every kid must name one key")
            }
        }
        self.keys = byID
        self.revokedCards = Set(revokedCards)
    }

    /// An empty set: every token is `unknown_key`.
    public static let empty = try! TrustedKeySet(keys: [])

    /// The key a kid names.
    public subscript(id: KeyID) -> TrustedKey? { keys[id] }

    /// The keys, ordered by kid for stable output.
    public var sortedKeys: [TrustedKey] { keys.values.sorted { $0.id < $1.id } }
}
