/// What the instances on one database agree on among themselves (issue
/// #27): whether the database is a development one, and leases, which let
/// exactly one instance do a piece of work that must happen once (a
/// rotation check, the key set's signing, the retention passes).
///
/// A lease is a row that expires by itself: a holder that dies simply
/// stops renewing it, and another instance takes it over once
/// `expires_at` has passed. Times are the instances' own clocks, so their
/// clocks must agree to within a small part of a lease (NTP; see
/// docs/scale-out.md).
public protocol InstanceRepository: Sendable {
    /// Whether `serve --dev` or `alumnicard demo` marked this database.
    func isDevelopment() async throws -> Bool
    /// Marks the database a development one (idempotent).
    func markDevelopment(now: Int64) async throws

    /// Takes the lease `name` for `holder` until `now + duration`, or
    /// renews it when `holder` holds it already; false when another holder
    /// holds it unexpired. Of racing takers one wins.
    func acquireLease(_ name: String, holder: String, now: Int64, duration: Int64) async throws -> Bool
    /// Gives the lease up, when `holder` still holds it.
    func releaseLease(_ name: String, holder: String) async throws
    /// Forgets leases that expired before `time` (their holders died).
    func pruneLeases(expiredBefore time: Int64) async throws
}

/// The names of the leases, and their rules: one place for both backends.
public enum LeaseRules {
    public static let maximumNameLength = 64
    public static let maximumHolderLength = 128

    /// Whether a name or holder fits the schema's CHECKs.
    public static func isValid(name: String, holder: String) -> Bool {
        (1...maximumNameLength).contains(name.utf8.count) && (1...maximumHolderLength).contains(holder.utf8.count)
    }
}
