/// The times at which a key may sign: a token's `iat` must fall in
/// `[notBefore − L, expires + L]` for leeway L (ac1-token.md §4, order 6).
public struct SigningWindow: Hashable, Sendable {
    /// The key's `nbf`, in epoch seconds; nil for no lower bound.
    public var notBefore: Int64?
    /// The key's `exp`, in epoch seconds; nil for no upper bound.
    public var expires: Int64?

    public init(notBefore: Int64? = nil, expires: Int64? = nil) {
        self.notBefore = notBefore
        self.expires = expires
    }

    /// No bounds at all.
    public static let unbounded = SigningWindow()

    /// Whether a token issued at `issuedAt` lies in the window, widened by `leeway`.
    public func contains(issuedAt: UInt64, leeway: Int64) -> Bool {
        let iat = Int128(issuedAt)
        if let notBefore, iat < Int128(notBefore) - Int128(leeway) { return false }
        if let expires, iat > Int128(expires) + Int128(leeway) { return false }
        return true
    }
}
