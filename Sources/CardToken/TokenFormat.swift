/// Constants of the AC1 text form (ac1-token.md §1 and §4).
public enum TokenFormat {
    /// Every AC1 QR text starts with this, case-sensitively.
    public static let prefix = "AC1:"
    /// The longest QR text a verifier reads, prefix included (§4, order 1).
    public static let maximumTextLength = 1024
    /// The default token lifetime: a 300 s refresh interval plus 60 s of grace (§3).
    public static let defaultLifetime: Int64 = 360
    /// The default clock leeway of a verifier (§4).
    public static let defaultLeeway: Int64 = 90
    /// `M` when neither the key set nor the key file gives one (ac1-token.md §4).
    public static let defaultMaxTokenLifetime: Int64 = 3_600
    /// The issuer's default time zone, for `card_expired` (§4).
    public static let defaultTimeZoneIdentifier = "Asia/Taipei"

    static let prefixBytes: [UInt8] = Array(prefix.utf8)
}
