import AccountRules
import CardKeys
import CardToken
import Clocks
import DaemonSupport
import Foundation
import HTTPTypes
import Hummingbird
import IssuerCore
import IssuerStore
import IssuerStorePostgres
import IssuerStoreSQLite
import IssuerWeb
import Logging
import Mail
import NIOPosix
import SecureFiles

/// The issuer's parts, composed once from configuration and shared by the
/// HTTP controllers, the background loops and the admin commands.
public struct IssuerServices: Sendable {
    public let configuration: IssuerConfiguration
    public let clock: IssuerClock
    public let logger: Logger
    /// The engine under the repositories: the SQLite file, or PostgreSQL.
    public let engine: StorageEngine
    public let credentials: IssuerCredentials
    public let hasher: PasswordHasher
    public let throttle: LoginThrottle
    public let clientAddresses: ClientAddressResolver
    public let metrics: IssuerMetrics
    public let tokens: CardTokenService
    public let publisher: KeySetPublisher
    public let verifier: OnlineVerifier
    /// The storage, one repository per aggregate. Only the domain
    /// services call them: no controller, page or middleware does
    /// (ArchitectureTests scans for it). Tests and the command line reach
    /// them through here.
    public let repositories: IssuerRepositories
    public let vault: DocumentVault
    package let humanCheck: HumanCheckService
    package let composer: MailComposer
    package let applications: AccountApplicationService
    package let mailDelivery: MailDeliveryService
    let pages: WebPages
    /// Where database work runs, off the cooperative threads.
    public let databaseThreads = DatabaseThreads()
    package let sessions: SessionCache
    let qrImages = QRImageCache()
    package let caches: IssuerCaches
    package let authentication: SessionAuthentication
    package let signIn: SignInService
    package let passwords: PasswordService
    package let accountSelfService: AccountService
    package let dataRequests: DataRequestService
    package let cardReminders: CardReminderService
    package let staffSignIn: StaffSignInService
    package let cardApplications: CardApplicationService
    package let keyService: KeyService
    package let accountAdministration: AccountAdministrationService
    package let staffAdministration: StaffAdministrationService
    package let merchantDirectory: MerchantService
    package let auditTrail: AuditService
    /// Work done by one instance at a time (rotation checks, key-set
    /// signing, retention passes), under lease rows.
    package let once: OnceAcrossInstances

    /// Opens the database (file, or `database` when given, e.g. in memory)
    /// and composes the services. Migrates SQLite at once; PostgreSQL is
    /// migrated by ``migrateStorage()``, as its pool must run first.
    public init(configuration: IssuerConfiguration, credentials: IssuerCredentials, clock: IssuerClock = .system,
                database: AppDatabase? = nil, logger: Logger = Logger(label: "alumnicard")) throws(IssuerServiceError) {
        try self.init(configuration: configuration, credentials: credentials, clock: clock, database: database, logger: logger, mailTransport: nil)
    }

    /// Opens the storage and composes the services on a thread of the
    /// blocking pool (SQLite's open blocks, and must not hold a thread of
    /// the cooperative pool while it does), without migrating it: the
    /// daemon migrates in `beforeServerStarts` (``migrateStorage()``).
    public static func open(configuration: IssuerConfiguration, credentials: IssuerCredentials, clock: IssuerClock = .system,
                            logger: Logger = Logger(label: "alumnicard")) async throws -> IssuerServices {
        try await NIOThreadPool.singleton.runIfActive {
            try IssuerServices(configuration: configuration, credentials: credentials, clock: clock, database: nil, logger: logger, mailTransport: nil,
                               migrate: false)
        }
    }

    /// Applies the storage's migrations not yet applied (off the
    /// cooperative pool for SQLite; under PostgreSQL's advisory lock, so
    /// instances starting together migrate once) and proves the KEK;
    /// nothing to migrate when the schema is current.
    public func migrateStorage() async throws(IssuerServiceError) {
        do {
            switch engine {
            case .sqlite(let stores):
                let database = stores.database, keyStore = stores.keyStore
                try await NIOThreadPool.singleton.runIfActive {
                    try database.migrate()
                    try keyStore.checkKEK()
                }
            case .postgres(let storage):
                try await PostgresMigrations.migrate(storage, now: clock.now())
                try await PostgresKeyRepository(storage: storage, kek: credentials.kek, policy: configuration.rotationPolicy).checkKEK()
            }
        } catch let error as IssuerStoreError {
            throw IssuerServiceError(.storage, error.message)
        } catch {
            throw IssuerServiceError(.storage, "cannot prepare the database: \(error)")
        }
    }

    /// As above, with the way mail leaves chosen by the caller (nil: the
    /// configured relay, or the `mail/` folder without one).
    init(configuration: IssuerConfiguration, credentials: IssuerCredentials, clock: IssuerClock, database: AppDatabase?, logger: Logger,
         mailTransport: (any MailTransport)?, migrate: Bool = true) throws(IssuerServiceError) {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.credentials = credentials
        let lockouts = LockoutRules.Limits(maxFailures: configuration.maxLoginFailures, lockout: configuration.lockout)
        if let postgres = configuration.postgres, database == nil {
            let storage: PostgresStorage
            do {
                storage = PostgresStorage(configuration: try postgres.clientConfiguration(password: credentials.postgresPassword), logger: logger)
            } catch {
                throw IssuerServiceError(.storage, error.message)
            }
            engine = .postgres(storage)
            repositories = .postgres(storage: storage, kek: credentials.kek, lockouts: lockouts, policy: configuration.rotationPolicy)
        } else {
            let stores: SQLiteStores
            do {
                let opened: AppDatabase
                if let database {
                    opened = database
                } else {
                    if let loose = try SecureFile.makePrivateDirectory(parentDirectory(of: configuration.database)) {
                        logger.warning("the data directory was readable by others; made it private", metadata: [
                            "directory": "\(parentDirectory(of: configuration.database))", "mode_was": "\(String(loose, radix: 8))"])
                    }
                    opened = try AppDatabase.open(path: configuration.database, busyTimeout: configuration.busyTimeout,
                                                  maxBytes: configuration.maxDatabaseBytes, migrate: migrate)
                }
                stores = SQLiteStores(database: opened, keyStore: try KeyStore(database: opened, kek: credentials.kek, policy: configuration.rotationPolicy,
                                                                               checkingKEK: migrate), kek: credentials.kek)
            } catch let error as IssuerStoreError {
                throw IssuerServiceError(.storage, error.message)
            } catch let error as SecureFileError {
                throw IssuerServiceError(.storage, error.message)
            } catch {
                throw IssuerServiceError(.storage, "cannot create the data directory for \(configuration.database): \((error as NSError).localizedDescription)")
            }
            engine = .sqlite(stores)
            repositories = .sqlite(database: stores.database, keyStore: stores.keyStore, kek: credentials.kek, lockouts: lockouts, threads: databaseThreads)
        }
        let keys = repositories.keys, cards = repositories.cards, loginGuard = repositories.loginGuard, sessionStore = repositories.sessions
        hasher = PasswordHasher(cost: configuration.bcryptCost)
        throttle = LoginThrottle(limits: .init(addressAttemptsPerMinute: configuration.addressAttemptsPerMinute), shared: loginGuard)
        clientAddresses = ClientAddressResolver(trustedProxies: configuration.trustedProxies)
        metrics = IssuerMetrics(service: ServiceMetrics())
        let flow = configuration.flowSettings
        // This process among the instances: the holder of its leases.
        let holder = OnceAcrossInstances.processHolder()
        let sessions = SessionCache()
        self.sessions = sessions
        tokens = CardTokenService(keys: keys, cards: cards,
                                  schedule: TokenSchedule(refreshInterval: configuration.refreshInterval, grace: configuration.tokenGrace,
                                                          nextTokenLead: configuration.nextTokenLead),
                                  metrics: metrics,
                                  tokenIDKey: credentials.kek.derivedKey(purpose: "token id v1"),
                                  maxPrefetchWindows: configuration.maxPrefetchWindows, timeZone: configuration.timeZone)
        publisher = KeySetPublisher(keys: keys, cards: cards,
                                    withdrawnCardHorizon: configuration.withdrawnCardHorizon, leeway: configuration.leeway,
                                    rootKey: credentials.rootKey, issuer: configuration.issuerName,
                                    validity: configuration.keySetValidity, logger: logger)
        let verifier = OnlineVerifier(keys: keys, cards: cards, leeway: configuration.leeway, timeZone: configuration.timeZone)
        self.verifier = verifier
        caches = IssuerCaches(sessions: sessions, tokens: tokens, verifier: verifier)
        vault = DocumentVault(directory: configuration.documentDirectory, kek: credentials.kek)
        humanCheck = HumanCheckService(kek: credentials.kek, spent: loginGuard, maxNumber: configuration.humanCheckMaxNumber,
                                       lifetime: configuration.humanCheckLifetime)
        composer = MailComposer(from: configuration.mailFrom, fromName: configuration.mailFromName, baseURL: configuration.baseURL,
                                timeZone: configuration.timeZone)
        let calendar = try ReviewCalendar.load(files: configuration.resolvedCalendarFiles, workingDays: configuration.reviewWorkingDays,
                                               timeZone: configuration.timeZone, required: configuration.calendarFilesConfigured)
        let transport: any MailTransport
        if let mailTransport {
            transport = mailTransport
        } else if let host = configuration.smtpHost {
            var relay = SMTPRelay(host: host, port: configuration.smtpPort, startTLS: configuration.startTLS, username: configuration.smtpUsername,
                                  password: credentials.smtpPassword, heloName: Self.heloName(configuration), trustRootsFile: configuration.smtpTrustRootsFile)
            relay.replyTimeout = .seconds(60)
            transport = SMTPTransport(client: SMTPClient(relay: relay))
        } else {
            transport = MailDirectoryTransport(directory: configuration.mailDirectory)
        }
        do {
            pages = try WebPages(configuration: configuration, kek: credentials.kek)
        } catch {
            throw IssuerServiceError(.installation, error.description)
        }
        mailDelivery = MailDeliveryService(outbox: repositories.outbox, transport: transport, sender: configuration.mailFrom,
                                           giveUpAfter: configuration.mailGiveUpAfter, retryInitial: configuration.mailRetryInitial, clock: clock, logger: logger,
                                           metrics: metrics, instances: repositories.instances)
        applications = AccountApplicationService(
            store: repositories.applications, documents: vault, calendar: calendar, consent: try ConsentNotice.load(path: configuration.consentFile),
            composer: composer, humanCheck: humanCheck, settings: flow,
            uploads: UploadSlots(limit: configuration.maxConcurrentUploads, perClient: configuration.maxUploadsPerClient),
            loginGuard: loginGuard, mailDelivery: mailDelivery, caches: caches)
        authentication = SessionAuthentication(clock: clock, sessionStore: sessionStore, staffRepository: repositories.staff, sessions: sessions,
                                               bootstrapAdminTokenHash: credentials.bootstrapAdminTokenHash)
        signIn = SignInService(clock: clock, settings: flow, holders: repositories.holders, loginGuard: loginGuard, sessionStore: sessionStore, caches: caches,
                               throttle: throttle, humanCheck: humanCheck, hasher: hasher, composer: composer, mailDelivery: mailDelivery,
                               calendar: calendar, metrics: metrics)
        passwords = PasswordService(signIn: signIn)
        accountSelfService = AccountService(accounts: repositories.accounts, passwords: passwords)
        staffSignIn = StaffSignInService(clock: clock, settings: flow, staffRepository: repositories.staff, loginGuard: loginGuard, sessionStore: sessionStore,
                                         throttle: throttle, hasher: hasher, composer: composer, kek: credentials.kek)
        cardApplications = CardApplicationService(clock: clock, settings: flow, cards: cards, caches: caches, humanCheck: humanCheck, composer: composer,
                                                  mailDelivery: mailDelivery, calendar: calendar)
        keyService = KeyService(keys: keys, publisher: publisher, caches: caches, clock: clock, metrics: metrics, logger: logger,
                                algorithm: configuration.algorithm)
        accountAdministration = AccountAdministrationService(cards: cards, holders: repositories.holders, publisher: publisher, caches: caches,
                                                             composer: composer, calendar: calendar, mailDelivery: mailDelivery, hasher: hasher,
                                                             clock: clock, logger: logger)
        cardReminders = CardReminderService(reminders: repositories.reminders, clock: clock, calendar: calendar, composer: composer,
                                            mailDelivery: mailDelivery)
        dataRequests = DataRequestService(requests: repositories.dataRequests, passwords: passwords, documents: vault,
                                          administration: accountAdministration, metrics: metrics)
        staffAdministration = StaffAdministrationService(staff: repositories.staff, hasher: hasher, clock: clock)
        merchantDirectory = MerchantService(merchants: repositories.merchants, calendar: calendar, clock: clock)
        auditTrail = AuditService(audit: repositories.audit)
        once = OnceAcrossInstances(instances: repositories.instances, clock: clock, logger: logger, holder: holder)
    }

    /// SQLite's own stores, when the engine is SQLite.
    public var sqlite: SQLiteStores? {
        if case .sqlite(let stores) = engine { return stores }
        return nil
    }

    /// Runs `body` with the storage's pool running (PostgreSQL), as a
    /// command or a test needs it outside the daemon's service group.
    public func withStorageRunning<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        guard case .postgres(let storage) = engine else { return try await body() }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await storage.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// The name given in EHLO: the public URL's host, else this host's name.
    static func heloName(_ configuration: IssuerConfiguration) -> String {
        if let url = configuration.publicURL.flatMap(URL.init(string:)), let host = url.host, !host.isEmpty { return host }
        let name = ProcessInfo.processInfo.hostName
        return name.isEmpty || name.contains(" ") ? "localhost" : name
    }

    /// What `serve` checks before it listens: the document directory is
    /// private, and the office calendars cover this year and the next.
    public func prepareForServing() throws(IssuerServiceError) {
        do { try vault.prepare() } catch { throw IssuerServiceError(.storage, error.message) }
        applications.calendar.warnAboutMissingYears(now: clock.now(), logger: logger)
    }

    /// One run of the maintenance loop: unanswered requests closed,
    /// documents and rejected applications past retention, sent mail texts,
    /// stale upload files, the overdue data requests counted, card reminders.
    /// One instance does it at a time (the lease "maintenance").
    public func maintenanceTick() async {
        let applications = applications, mailDelivery = mailDelivery, logger = logger, now = clock.now(), instances = repositories.instances
        let dataRequests = dataRequests, cardReminders = cardReminders
        await once.run("maintenance", duration: 1_800) {
            await applications.closeAndErase(now: now, logger: logger)
            await applications.deleteExpiredDocuments(now: now, logger: logger)
            await applications.deleteOrphanedFiles(logger: logger)
            await dataRequests.refreshOverdue(logger: logger)
            await cardReminders.sendDue(logger: logger)
            // A sent message's text has done its work; keep the record, drop the text after a day.
            try? await mailDelivery.pruneSent(olderThan: 86_400)
            // Leases of processes that died holding them (a killed mail pass leaves one).
            try? await instances.pruneLeases(expiredBefore: now - 86_400)
        }
    }

    /// One run of the key-set timer: re-sign the key set when it is due,
    /// by one instance at a time (the lease "keyset"), so instances never
    /// sign two documents for one change.
    public func keySetRefreshTick(actor: String = "daemon") async {
        let publisher = publisher, clock = clock, logger = logger
        await once.run("keyset", duration: 120) {
            do { try await publisher.refreshIfNeeded(now: clock.now(), actor: actor) } catch {
                // Shutting down cancels the tick; that is no failure.
                if !Task.isCancelled {
                    logger.error("key set refresh failed", metadata: ["error": "\(IssuerStoreError.wrapping(error, "refresh").message)"])
                }
            }
        }
    }

    /// The office calendar the configuration names (for `calendar add-working-days`).
    public static func officeCalendar(_ configuration: IssuerConfiguration) throws(IssuerServiceError) -> OfficeCalendar {
        try ReviewCalendar.load(files: configuration.resolvedCalendarFiles, workingDays: configuration.reviewWorkingDays,
                                timeZone: configuration.timeZone, required: configuration.calendarFilesConfigured).calendar
    }

    /// The development samples (`serve --dev`, `alumnicard demo`).
    package var samples: DevelopmentSamples {
        DevelopmentSamples(repositories: repositories, documents: vault, keyService: keyService, merchants: merchantDirectory,
                           applications: applications, hasher: hasher, clock: clock, issuerName: configuration.issuerName)
    }

    /// Makes the first signing key (and signs the key set) when there is
    /// none: development, and the benchmarks' fresh databases.
    @discardableResult
    public func ensureSigningKey(actor: String) async throws -> Bool {
        try await samples.ensureKeys(actor: actor)
    }

    /// The "your account is open" mail an import queues (see ``AccountAdministrationService/accountReadyMail``).
    public var accountReadyMail: AccountReadyMail { accountAdministration.accountReadyMail }

    /// Runs the outbox once (tests and `mail send-now`).
    @discardableResult
    public func deliverMail() async -> Int { await mailDelivery.deliverDue() }

    /// After a change to cards or accounts made in this process: forget
    /// what the caches hold about them.
    public func accountsChanged() {
        caches.accountsChanged()
    }

    /// After card statuses changed here (a suspension, a revocation, a
    /// reinstatement, an import): see ``AccountAdministrationService/cardStatusesChanged(actor:)``.
    public func cardStatusesChanged(actor: String) async {
        await accountAdministration.cardStatusesChanged(actor: actor)
    }

    /// After any key change: forget cached keys, re-sign the key set if
    /// this host holds the root.
    public func keysChanged(actor: String) async throws {
        try await keyService.keysChanged(actor: actor)
    }

    /// One run of the daemon's rotation timer (``KeyService/rotationTick(actor:)``),
    /// by one instance at a time (the lease "key-rotation"); the rotation
    /// itself re-checks under the key rows' lock that it is still due.
    @discardableResult
    public func rotationTick(actor: String = "daemon") async -> [KeyChange] {
        let keyService = keyService
        return await once.run("key-rotation", duration: 300) { await keyService.rotationTick(actor: actor) } ?? []
    }

    /// Whether the daemon can answer token requests: the storage answers
    /// and a key is active. Returns the problems otherwise.
    public func readinessProblems() async -> [String] {
        await readiness.problems()
    }

    var readiness: Readiness { Readiness(probe: repositories.probe, keyService: keyService) }
}
