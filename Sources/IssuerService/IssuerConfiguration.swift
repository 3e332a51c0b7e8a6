import AccountRules
import CardKeys
import CardToken
import DaemonSupport
import Foundation
import IssuerCore
import IssuerStore
import IssuerStorePostgres
import Mail

/// Everything `alumnicard serve` and the admin commands read from
/// `Config/issuer.yaml`, `ALUMNICARD_*` environment variables and flags.
/// Config/issuer.yaml documents every key; the defaults here are the same.
public struct IssuerConfiguration: Sendable {
    // server
    public var host = "127.0.0.1"
    public var port = 8080
    /// The address clients use (printed at start-up; default http://host:port).
    public var publicURL: String?
    public var maxBodyBytes = 16 * 1024
    public var importMaxBytes = 16 << 20
    /// Connections idle this long (nothing sent, or a request head not
    /// finished) are closed.
    public var idleTimeout: Int64 = 30
    /// Proxies whose `X-Forwarded-For` is believed (addresses or CIDR blocks).
    public var trustedProxies: [IPNetwork] = []

    // storage
    public var dataDirectory = "/var/lib/alumnicard"
    /// Default: `<data_dir>/issuer.sqlite`.
    public var databasePath: String?
    /// How long a request waits for another process's write lock before
    /// it is answered 503 (the CLI waits longer).
    public var busyTimeout: TimeInterval = 2
    /// `storage.max_database_bytes`: a cap on the database file below the
    /// disk's own (nil: the disk is the limit). Past it writes answer 503
    /// `storage_full`; reads and everything written before go on.
    public var maxDatabaseBytes: Int64?
    /// `storage.postgres_url`: the shared PostgreSQL database, for several
    /// instances (docs/scale-out.md). Absent: the SQLite file above.
    public var postgres: PostgresConnectionSettings?
    /// `storage.postgres_password_file`: the database password, one line (0600).
    public var postgresPasswordFile: String?

    // secrets (files; each falls back to its systemd credential)
    public var kekFile: String?
    public var rootKeyFile: String?
    public var adminTokenFile: String?

    // issuer
    public var issuerName = "ntu-alumni"
    public var timeZone = TimeZone(identifier: "Asia/Taipei")!
    public var algorithm = CoseAlgorithm.edDSA

    // tokens
    public var refreshInterval: Int64 = 300
    public var tokenGrace: Int64 = 60
    public var nextTokenLead: Int64 = 60

    // keys
    public var rotationPeriod: Int64 = 30 * 86_400
    public var keySetRefreshInterval: Int64 = 600
    public var offlineGrace: Int64 = 3 * 86_400
    public var safetyMargin: Int64 = 3_600
    public var leeway: Int64 = 90
    public var checkInterval: Int64 = 3_600
    public var keySetValidity: Int64 = 86_400
    public var rotateInDaemon = true

    // login
    public var sessionLifetime: Int64 = 12 * 3_600
    public var maxLoginFailures = 5
    public var lockout: Int64 = 15 * 60
    public var addressAttemptsPerMinute = 30
    public var bcryptCost = 12
    /// How the first login is checked: the national ID alone (the centre's
    /// how-to), or with a six-digit code mailed to the address on file.
    public var firstLogin = FirstLogin.nationalID
    /// Wrong first-login guesses per account per day, from all clients,
    /// after which that account's first login also needs a mailed code
    /// (or, with no address on file, waits for the next day).
    public var firstLoginDailyLimit = 20
    public var resetLifetime: Int64 = 30 * 60

    public typealias FirstLogin = IssuerCore.FirstLogin

    // passwords
    public var passwordPolicy = PasswordPolicy.Kind.baseline

    // human check
    public var humanCheckMaxNumber = 100_000
    public var humanCheckLogin = HumanCheckLogin.always
    public var humanCheckLifetime: Int64 = 600

    public typealias HumanCheckLogin = IssuerCore.HumanCheckLogin

    // applications
    /// Office-calendar CSV files; relative paths are read from the
    /// configuration file's directory (`Config/` without one).
    public var calendarFiles = ["calendar/2025.csv", "calendar/2026.csv", "calendar/2027.csv"]
    public var configurationDirectory = "Config"
    /// Whether `applications.calendar` was set (then a missing file stops
    /// start-up); the default list is read where it is found.
    public var calendarFilesConfigured = false
    public var reviewWorkingDays = 7
    public var maxDocumentBytes = 10 << 20
    public var maxPhotoBytes = 5 << 20
    public var documentRetention: Int64 = 30 * 86_400
    /// An application whose request for more is unanswered this long is closed (rejected, mailed).
    public var unansweredLapse: Int64 = 60 * 86_400
    /// A rejected application is erased this long after its decision (its documents go earlier).
    public var rejectedRetention: Int64 = 180 * 86_400
    /// How long after the decision the private status link still works.
    public var statusLinkGrace: Int64 = 30 * 86_400
    /// Concurrent uploads accepted; more wait for a slot, then 503.
    public var maxConcurrentUploads = 20
    /// Of those, how many one client address may hold.
    public var maxUploadsPerClient = 2
    /// The whole form must arrive within this (seconds).
    public var uploadDeadline: Int64 = 180
    /// Applications (and answers) one client address may send per hour.
    public var applicationsPerClientHourly = 10
    /// Applications naming one national ID accepted per day.
    public var applicationsPerNationalIDDaily = 3
    /// Applications waiting for review (pending or needs_info) beyond which new ones are refused 503.
    public var maxOpenApplications = 5_000
    /// A JSON file with the personal-data notice (`version`, `text`); the bundled one when nil.
    public var consentFile: String?

    // cards
    /// Fees by kind of application, in TWD (`cards.fees.first`, `cards.fees.renewal`).
    public var firstCardFee = 200
    public var renewalFee = 200
    public var issueOn = CardIssueMoment.submission
    /// `cards.validity`: how long a card runs, in months (`1y`, `18mo`).
    public var cardValidityMonths = 12
    /// `cards.renewal_window`: how long before its end a card may be renewed, in months.
    public var renewalWindowMonths = 1
    /// New digital card numbers: this prefix, ten random digits, a Luhn digit.
    public var cardNumberPrefix = "D"
    /// The most windows `GET /v1/card/tokens` hands out at once (288 × 5 min = a day).
    public var maxPrefetchWindows = 288

    // web
    /// `web.secure_cookies`: `auto` marks the pages' cookies `Secure` (and
    /// names them `__Host-…`) when `server.public_url` is https.
    public var secureCookies = SecureCookies.auto
    /// `web.staff_session_lifetime`: staff console sessions, shorter than the alumni's.
    public var staffSessionLifetime: Int64 = 30 * 60

    public enum SecureCookies: String, Sendable, CaseIterable {
        case auto, always, never
    }

    /// Whether the pages' cookies carry `Secure`.
    public var cookiesAreSecure: Bool {
        switch secureCookies {
        case .always: true
        case .never: false
        case .auto: publicURL?.lowercased().hasPrefix("https://") ?? false
        }
    }

    public typealias CardIssueMoment = IssuerCore.CardIssueMoment

    // mail
    public var smtpHost: String?
    public var smtpPort = 587
    public var mailFrom = "alumni@localhost"
    public var mailFromName: String? = "臺大校友中心 Alumni Centre"
    public var startTLS = SMTPRelay.StartTLS.required
    public var smtpUsername: String?
    public var smtpPasswordFile: String?
    public var smtpTrustRootsFile: String?
    /// After this long without success a message is marked failed.
    public var mailGiveUpAfter: Int64 = 2 * 86_400
    /// The first retry's delay; each further one doubles it, to at most an hour.
    public var mailRetryInitial: Int64 = 60
    /// Where `serve --dev` without a relay writes each message as an .eml file.
    public var mailDirectory: String { (dataDirectory as NSString).appendingPathComponent("mail") }
    /// `storage.document_dir`: where uploaded documents are kept, sealed.
    /// Several instances must all reach one (a shared file system).
    public var documentDirectoryPath: String?
    public var documentDirectory: String { documentDirectoryPath ?? (dataDirectory as NSString).appendingPathComponent("documents") }

    // logging
    public var logLevel = "info"
    /// `text` for people, `json` (one object a line) for log collectors.
    public var logFormat = LoggingSetup.Format.text

    /// Development mode (`serve --dev`): keys made on the spot, demo alumnus.
    public var development = false

    public init() {}

    public var database: String { databasePath ?? (dataDirectory as NSString).appendingPathComponent("issuer.sqlite") }
    public var tokenLifetime: Int64 { refreshInterval + tokenGrace }
    /// How long a withdrawn card stays in `revoked_cards` for the tokens
    /// handed out one window at a time: the next window's token, handed out
    /// `next_token_lead` early, plus the leeway. Tokens handed out ahead
    /// keep it there longer (`card.tokens_live_until`).
    public var withdrawnCardHorizon: Int64 { tokenLifetime + nextTokenLead + leeway }
    public var baseURL: String { publicURL ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// The calendar files as paths to open.
    public var resolvedCalendarFiles: [String] {
        calendarFiles.map { $0.hasPrefix("/") ? $0 : (configurationDirectory as NSString).appendingPathComponent($0) }
    }

    /// The rotation policy these settings describe (docs/key-rotation.md).
    public var rotationPolicy: RotationPolicy {
        var policy = RotationPolicy(tokenLifetime: tokenLifetime, refreshInterval: keySetRefreshInterval, offlineGrace: offlineGrace,
                                    safetyMargin: safetyMargin, rotationPeriod: rotationPeriod, leeway: leeway, checkInterval: checkInterval)
        // A day of tokens handed out just before a rotation keeps the old key in the set a day longer.
        policy.handedOutAhead = Int64(maxPrefetchWindows - 1) * refreshInterval
        return policy
    }

    /// Reads `path` (nil: defaults only) with `ALUMNICARD_*` overrides.
    public static func load(path: String?, environment: [String: String]) throws(ConfigurationError) -> IssuerConfiguration {
        try load(ConfigurationReader(path: path, environment: environment, environmentPrefix: "ALUMNICARD"), path: path)
    }

    /// The configuration from YAML text (the fuzz target's way in; the daemon reads a file).
    public static func load(yaml: String, environment: [String: String] = [:]) throws(ConfigurationError) -> IssuerConfiguration {
        try load(ConfigurationReader(yaml: yaml, source: "the configuration", environment: environment, environmentPrefix: "ALUMNICARD"), path: nil)
    }

    private static func load(_ reader: ConfigurationReader, path: String?) throws(ConfigurationError) -> IssuerConfiguration {
        var c = IssuerConfiguration()
        c.host = try reader.string("server.host", default: c.host)
        c.port = try reader.integer("server.port", default: c.port, in: 0...65_535)
        c.publicURL = try reader.optionalString("server.public_url")
        c.maxBodyBytes = try reader.integer("server.max_body_bytes", default: c.maxBodyBytes, in: 1_024...(1 << 20))
        c.importMaxBytes = try reader.integer("server.import_max_bytes", default: c.importMaxBytes, in: 1_024...(64 << 20))
        c.idleTimeout = try reader.seconds("server.idle_timeout", default: c.idleTimeout, in: 1...3_600)
        var proxies: [IPNetwork] = []
        for text in try reader.strings("server.trusted_proxies", default: []) {
            guard let network = IPNetwork(text) else {
                throw ConfigurationError(key: "server.trusted_proxies", "\"\(text.prefix(60))\" is not an IP address or CIDR block such as 127.0.0.1 or 10.0.0.0/8")
            }
            proxies.append(network)
        }
        c.trustedProxies = proxies

        c.dataDirectory = try reader.string("storage.data_dir", default: c.dataDirectory)
        c.databasePath = try reader.optionalString("storage.database")
        c.busyTimeout = TimeInterval(try reader.seconds("storage.busy_timeout", default: Int64(c.busyTimeout), in: 1...60))
        let maxDatabaseBytes = try reader.integer("storage.max_database_bytes", default: 0, in: 0...(1 << 50))
        if maxDatabaseBytes > 0 && maxDatabaseBytes < 1 << 20 {
            throw ConfigurationError(key: "storage.max_database_bytes", "is \(maxDatabaseBytes): give at least 1048576 (1 MiB), or 0 for no cap below the disk's")
        }
        c.maxDatabaseBytes = maxDatabaseBytes > 0 ? Int64(maxDatabaseBytes) : nil
        let poolSize = try reader.integer("storage.postgres_pool_size", default: 10, in: 1...200)
        let statementTimeout = try reader.seconds("storage.postgres_statement_timeout", default: 15, in: 1...600)
        if let url = try reader.optionalString("storage.postgres_url"), !url.isEmpty {
            var settings: PostgresConnectionSettings
            do {
                settings = try PostgresConnectionSettings(url: url, passwordAllowedInURL: reader.isFromEnvironment("storage.postgres_url"))
            } catch {
                throw ConfigurationError(key: "storage.postgres_url", String(error.message.dropFirst("storage.postgres_url ".count)))
            }
            settings.poolSize = poolSize
            settings.statementTimeout = .seconds(statementTimeout)
            c.postgres = settings
        }
        c.postgresPasswordFile = try reader.optionalString("storage.postgres_password_file")
        c.documentDirectoryPath = try reader.optionalString("storage.document_dir")

        c.kekFile = try reader.optionalString("secrets.kek_file")
        c.rootKeyFile = try reader.optionalString("secrets.root_key_file")
        c.adminTokenFile = try reader.optionalString("secrets.admin_token_file")

        c.issuerName = try reader.string("issuer.name", default: c.issuerName)
        let zone = try reader.string("issuer.time_zone", default: c.timeZone.identifier)
        guard let timeZone = TimeZone(identifier: zone) else {
            throw ConfigurationError(key: "issuer.time_zone", "\"\(zone)\" is not an IANA time zone such as Asia/Taipei")
        }
        c.timeZone = timeZone
        let algorithm = try reader.choice("issuer.algorithm", default: "ed25519", from: ["ed25519", "hs256", "hs256-64"])
        c.algorithm = ["ed25519": .edDSA, "hs256": .hmac256, "hs256-64": .hmac256Truncated64][algorithm]!

        c.refreshInterval = try reader.seconds("tokens.refresh_interval", default: c.refreshInterval, in: 30...3_600)
        c.tokenGrace = try reader.seconds("tokens.grace", default: c.tokenGrace, in: 0...3_600)
        c.nextTokenLead = try reader.seconds("tokens.next_token_lead", default: c.nextTokenLead, in: 0...3_600)

        c.rotationPeriod = try reader.seconds("keys.rotation_period", default: c.rotationPeriod, in: 3_600...(400 * 86_400))
        c.keySetRefreshInterval = try reader.seconds("keys.keyset_refresh_interval", default: c.keySetRefreshInterval, in: 10...86_400)
        c.offlineGrace = try reader.seconds("keys.offline_grace", default: c.offlineGrace, in: 0...(60 * 86_400))
        c.safetyMargin = try reader.seconds("keys.safety_margin", default: c.safetyMargin, in: 0...86_400)
        c.leeway = try reader.seconds("keys.leeway", default: c.leeway, in: 0...3_600)
        c.checkInterval = try reader.seconds("keys.check_interval", default: c.checkInterval, in: 10...(7 * 86_400))
        c.keySetValidity = try reader.seconds("keys.keyset_validity", default: c.keySetValidity, in: 600...(90 * 86_400))
        c.rotateInDaemon = try reader.bool("keys.rotate_in_daemon", default: c.rotateInDaemon)

        c.sessionLifetime = try reader.seconds("login.session_lifetime", default: c.sessionLifetime, in: 60...(90 * 86_400))
        c.maxLoginFailures = try reader.integer("login.max_failures", default: c.maxLoginFailures, in: 1...100)
        c.lockout = try reader.seconds("login.lockout", default: c.lockout, in: 1...86_400)
        c.addressAttemptsPerMinute = try reader.integer("login.address_attempts_per_minute", default: c.addressAttemptsPerMinute, in: 1...100_000)
        c.bcryptCost = try reader.integer("login.bcrypt_cost", default: c.bcryptCost, in: 4...16)
        c.firstLogin = FirstLogin(rawValue: try reader.choice("login.first_login", default: c.firstLogin.rawValue,
                                                              from: FirstLogin.allCases.map(\.rawValue)))!
        c.firstLoginDailyLimit = try reader.integer("login.first_login_daily_limit", default: c.firstLoginDailyLimit, in: 1...10_000)
        c.resetLifetime = try reader.seconds("login.reset_lifetime", default: c.resetLifetime, in: 300...86_400)

        c.passwordPolicy = PasswordPolicy.Kind(rawValue: try reader.choice("passwords.policy", default: c.passwordPolicy.rawValue,
                                                                           from: PasswordPolicy.Kind.allCases.map(\.rawValue)))!

        c.humanCheckMaxNumber = try reader.integer("human_check.max_number", default: c.humanCheckMaxNumber, in: 100...10_000_000)
        c.humanCheckLogin = HumanCheckLogin(rawValue: try reader.choice("human_check.login", default: c.humanCheckLogin.rawValue,
                                                                        from: HumanCheckLogin.allCases.map(\.rawValue)))!
        c.humanCheckLifetime = try reader.seconds("human_check.lifetime", default: c.humanCheckLifetime, in: 60...3_600)

        let unset = ["\u{0}"]
        let calendars = try reader.strings("applications.calendar", default: unset)
        if calendars != unset {
            c.calendarFiles = calendars
            c.calendarFilesConfigured = true
        }
        if let path { c.configurationDirectory = parentDirectory(of: path) }
        c.reviewWorkingDays = try reader.integer("applications.review_working_days", default: c.reviewWorkingDays, in: 1...60)
        c.maxDocumentBytes = try reader.integer("applications.max_document_bytes", default: c.maxDocumentBytes, in: 1_024...(50 << 20))
        c.maxPhotoBytes = try reader.integer("applications.max_photo_bytes", default: c.maxPhotoBytes, in: 1_024...(50 << 20))
        c.documentRetention = try reader.seconds("applications.document_retention", default: c.documentRetention, in: 0...(3_650 * 86_400))
        c.statusLinkGrace = try reader.seconds("applications.status_link_grace", default: c.statusLinkGrace, in: 0...(365 * 86_400))
        c.unansweredLapse = try reader.seconds("applications.unanswered_lapse", default: c.unansweredLapse, in: 86_400...(3_650 * 86_400))
        c.rejectedRetention = try reader.seconds("applications.rejected_retention", default: c.rejectedRetention, in: 0...(3_650 * 86_400))
        c.maxConcurrentUploads = try reader.integer("applications.max_concurrent_uploads", default: c.maxConcurrentUploads, in: 1...1_000)
        c.maxUploadsPerClient = try reader.integer("applications.max_uploads_per_client", default: c.maxUploadsPerClient, in: 1...1_000)
        c.uploadDeadline = try reader.seconds("applications.upload_deadline", default: c.uploadDeadline, in: 1...3_600)
        c.applicationsPerClientHourly = try reader.integer("applications.per_client_hourly", default: c.applicationsPerClientHourly, in: 1...100_000)
        c.applicationsPerNationalIDDaily = try reader.integer("applications.per_national_id_daily", default: c.applicationsPerNationalIDDaily, in: 1...1_000)
        c.maxOpenApplications = try reader.integer("applications.max_open", default: c.maxOpenApplications, in: 1...10_000_000)
        c.consentFile = try reader.optionalString("applications.consent_file")

        c.maxPrefetchWindows = try reader.integer("tokens.max_prefetch_windows", default: c.maxPrefetchWindows, in: 1...2_016)

        c.firstCardFee = try reader.integer("cards.fees.first", default: c.firstCardFee, in: 0...100_000)
        c.renewalFee = try reader.integer("cards.fees.renewal", default: c.renewalFee, in: 0...100_000)
        c.issueOn = CardIssueMoment(rawValue: try reader.choice("cards.issue_on", default: c.issueOn.rawValue,
                                                                from: CardIssueMoment.allCases.map(\.rawValue)))!
        c.cardValidityMonths = try months(reader, "cards.validity", default: c.cardValidityMonths, in: 1...120)
        c.renewalWindowMonths = try months(reader, "cards.renewal_window", default: c.renewalWindowMonths, in: 0...24)
        c.cardNumberPrefix = try reader.string("cards.number_prefix", default: c.cardNumberPrefix)
        guard (try? CardNumberScheme(prefix: c.cardNumberPrefix)) != nil else {
            throw ConfigurationError(key: "cards.number_prefix", "\"\(c.cardNumberPrefix.prefix(20))\" must be 0–8 upper-case letters or digits, such as D")
        }

        c.secureCookies = SecureCookies(rawValue: try reader.choice("web.secure_cookies", default: c.secureCookies.rawValue,
                                                                   from: SecureCookies.allCases.map(\.rawValue)))!
        c.staffSessionLifetime = try reader.seconds("web.staff_session_lifetime", default: c.staffSessionLifetime, in: 60...(24 * 3_600))

        c.smtpHost = try reader.optionalString("mail.smtp_host")
        c.smtpPort = try reader.integer("mail.smtp_port", default: c.smtpPort, in: 1...65_535)
        c.mailFrom = try reader.string("mail.from", default: c.mailFrom)
        let fromName = try reader.string("mail.from_name", default: c.mailFromName ?? "")
        c.mailFromName = fromName.isEmpty ? nil : fromName
        c.startTLS = SMTPRelay.StartTLS(rawValue: try reader.choice("mail.starttls", default: c.startTLS.rawValue,
                                                                     from: SMTPRelay.StartTLS.allCases.map(\.rawValue)))!
        c.smtpUsername = try reader.optionalString("mail.username")
        c.smtpPasswordFile = try reader.optionalString("secrets.smtp_password_file")
        c.smtpTrustRootsFile = try reader.optionalString("mail.tls_ca_file")
        c.mailGiveUpAfter = try reader.seconds("mail.give_up_after", default: c.mailGiveUpAfter, in: 60...(30 * 86_400))
        c.mailRetryInitial = try reader.seconds("mail.retry_initial", default: c.mailRetryInitial, in: 1...3_600)

        c.logLevel = try reader.choice("logging.level", default: c.logLevel, from: ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        c.logFormat = LoggingSetup.Format(rawValue: try reader.choice("logging.format", default: c.logFormat.rawValue,
                                                                     from: LoggingSetup.Format.allCases.map(\.rawValue)))!
        try reader.finish()
        try c.validate()
        return c
    }

    /// Reads a number of months written `12mo` or `1y`.
    private static func months(_ reader: ConfigurationReader, _ key: String, default value: Int, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        let text = try reader.string(key, default: "\(value)mo").trimmingCharacters(in: .whitespaces).lowercased()
        let count: Int?
        if text.hasSuffix("mo") { count = Int(text.dropLast(2)) } else if text.hasSuffix("y") { count = Int(text.dropLast()).flatMap { $0 <= 1_000 ? $0 * 12 : nil } } else { count = nil }
        guard let count, range.contains(count) else {
            throw ConfigurationError(key: key, "\"\(text.prefix(20))\" must be a number of months or years such as 12mo or 1y, from \(range.lowerBound) to \(range.upperBound) months")
        }
        return count
    }

    /// Checks the settings together; flags applied after ``load(path:environment:)``
    /// are checked again by the caller.
    public func validate() throws(ConfigurationError) {
        let address = mailFrom.split(separator: "@", omittingEmptySubsequences: false)
        guard address.count == 2, !address[0].isEmpty, !address[1].isEmpty, mailFrom.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw ConfigurationError(key: "mail.from", "\"\(mailFrom.prefix(80))\" is not an ASCII address like alumni@example.edu")
        }
        if mailFromName?.contains(where: \.isNewline) == true { throw ConfigurationError(key: "mail.from_name", "must be one line") }
        if let publicURL, !(publicURL.hasPrefix("http://") || publicURL.hasPrefix("https://")) {
            throw ConfigurationError(key: "server.public_url", "\"\(publicURL)\" must start with http:// or https://")
        }
        guard !dataDirectory.isEmpty else { throw ConfigurationError(key: "storage.data_dir", "must not be empty") }
        guard nextTokenLead < refreshInterval else {
            throw ConfigurationError(key: "tokens.next_token_lead", "\(nextTokenLead) s must be shorter than tokens.refresh_interval (\(refreshInterval) s)")
        }
        guard tokenGrace <= refreshInterval else {
            throw ConfigurationError(key: "tokens.grace", "\(tokenGrace) s is longer than the refresh interval (\(refreshInterval) s); tokens would overlap for more than a window")
        }
        do {
            try rotationPolicy.validate()
        } catch {
            throw ConfigurationError(key: "keys.rotation_period", error.message)
        }
        guard keySetValidity > keySetRefreshInterval else {
            throw ConfigurationError(key: "keys.keyset_validity", "\(keySetValidity) s must be longer than keys.keyset_refresh_interval (\(keySetRefreshInterval) s), or verifiers go stale between fetches")
        }
    }
}

/// The directory a file path lies in ("." for a bare file name), to create
/// before the file.
public func parentDirectory(of path: String) -> String {
    let parent = (path as NSString).deletingLastPathComponent
    return parent.isEmpty ? "." : parent
}

extension IssuerConfiguration {
    /// What the domain services read of this configuration.
    public var flowSettings: FlowSettings {
        var s = FlowSettings()
        s.sessionLifetime = sessionLifetime
        s.firstLogin = firstLogin
        s.firstLoginDailyLimit = firstLoginDailyLimit
        s.resetLifetime = resetLifetime
        s.humanCheckLogin = humanCheckLogin
        s.passwordPolicy = passwordPolicy
        s.staffSessionLifetime = staffSessionLifetime
        s.issuerName = issuerName
        s.reviewWorkingDays = reviewWorkingDays
        s.maxDocumentBytes = maxDocumentBytes
        s.maxPhotoBytes = maxPhotoBytes
        s.documentRetention = documentRetention
        s.unansweredLapse = unansweredLapse
        s.rejectedRetention = rejectedRetention
        s.statusLinkGrace = statusLinkGrace
        s.uploadDeadline = uploadDeadline
        s.applicationsPerClientHourly = applicationsPerClientHourly
        s.applicationsPerNationalIDDaily = applicationsPerNationalIDDaily
        s.maxOpenApplications = maxOpenApplications
        s.firstCardFee = firstCardFee
        s.renewalFee = renewalFee
        s.issueOn = issueOn
        s.cardValidityMonths = cardValidityMonths
        s.renewalWindowMonths = renewalWindowMonths
        s.cardNumberPrefix = cardNumberPrefix
        return s
    }
}
