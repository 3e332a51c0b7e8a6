/// Everything the issuer keeps, as one storage backend provides it: one
/// repository per aggregate, and a probe for readiness. A backend is a
/// target that builds one of these (`IssuerStoreSQLite`, `IssuerStorePostgres`); the
/// domain services take the repositories they need from it, and nothing
/// above them sees which backend it is.
public struct IssuerRepositories: Sendable {
    public let loginGuard: any LoginGuardRepository
    public let sessions: any SessionRepository
    public let holders: any HolderRepository
    public let accounts: any AccountRepository
    public let dataRequests: any DataRequestRepository
    public let reminders: any CardReminderRepository
    public let cards: any CardRepository
    public let applications: any AccountApplicationRepository
    public let keys: any KeyRepository
    public let staff: any StaffRepository
    public let outbox: any OutboxRepository
    public let audit: any AuditRepository
    public let merchants: any MerchantRepository
    public let instances: any InstanceRepository
    public let probe: any StorageProbe

    public init(loginGuard: any LoginGuardRepository, sessions: any SessionRepository, holders: any HolderRepository, accounts: any AccountRepository, dataRequests: any DataRequestRepository,
                reminders: any CardReminderRepository,
                cards: any CardRepository,
                applications: any AccountApplicationRepository, keys: any KeyRepository, staff: any StaffRepository, outbox: any OutboxRepository,
                audit: any AuditRepository, merchants: any MerchantRepository, instances: any InstanceRepository, probe: any StorageProbe) {
        self.loginGuard = loginGuard
        self.sessions = sessions
        self.holders = holders
        self.accounts = accounts
        self.dataRequests = dataRequests
        self.reminders = reminders
        self.cards = cards
        self.applications = applications
        self.keys = keys
        self.staff = staff
        self.outbox = outbox
        self.audit = audit
        self.merchants = merchants
        self.instances = instances
        self.probe = probe
    }
}

/// Whether the storage answers at all, for the readiness probe.
public protocol StorageProbe: Sendable {
    /// True when a trivial query succeeds now; never throws, never waits long.
    func isReachable() async -> Bool
}
