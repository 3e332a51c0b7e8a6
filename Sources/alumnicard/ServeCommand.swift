import ArgumentParser
import CardKeys
import CLISupport
import Clocks
import DaemonSupport
import Foundation
import Hummingbird
import IssuerCore
import IssuerService
import IssuerStorePostgres
import IssuerStore
import IssuerStoreSQLite
import Logging

/// `alumnicard serve`: the issuer daemon.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the issuer daemon: the alumni app API, tokens and QR codes, the published key set, the admin API.",
        discussion: """
            Settings come from --config (Config/issuer.yaml documents every key), then ALUMNICARD_* environment \
            variables, then these flags. With --dev, everything a first run needs is made in a local data \
            directory (default \(DevelopmentSetup.defaultDirectory)): KEK, root key, admin token, a signing key and \
            the demo alumnus. Never use --dev in production.
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: "The address to listen on (overrides server.host).")
    var host: String?

    @Option(help: "The port to listen on; 0 picks a free one (overrides server.port).")
    var port: Int?

    @Flag(help: "Development mode: make keys and the demo alumnus in a local data directory. Not for production.")
    var dev = false

    func run() async throws {
        var configuration = try store.configuration()
        if let host { configuration.host = host }
        if let port {
            guard (0...65_535).contains(port) else { throw CommandFailure.usage("--port must be 0…65535") }
            configuration.port = port
        }
        var made: [String] = []
        if dev {
            if store.dataDir == nil && store.config == nil { configuration.dataDirectory = DevelopmentSetup.defaultDirectory; configuration.databasePath = nil }
            configuration.bcryptCost = min(configuration.bcryptCost, 10)
            made = try DevelopmentSetup.prepare(&configuration)
        }
        do { try configuration.validate() } catch { throw CommandFailure.usage("invalid configuration: \(error)") }
        if !dev && configuration.smtpHost == nil {
            throw CommandFailure.usage("""
                mail.smtp_host is not set: the daemon mails applicants, new graduates and password resets, and queues mail until a relay \
                accepts it. Set mail.smtp_host (and mail.from) in the configuration; only serve --dev writes mail to files instead.
                """)
        }

        LoggingSetup.bootstrap(level: LoggingSetup.level(configuration.logLevel) ?? .info, format: configuration.logFormat)
        let logger = Logger(label: "alumnicard")
        let announced = configuration, madeFiles = made
        let credentials = try loadCredentials(configuration)
        do {
            let app = try await buildApplication(configuration: configuration, credentials: credentials, logger: logger,
                                                 notifier: SystemdNotifier(environment: store.environment), prepare: { services in
                if dev {
                    let samples = services.samples, actor = "dev-setup"
                    // Instances sharing one database seed in turn: each step checks what is there, then adds what is not.
                    let (madeKey, seeded, seededMerchants, staffSecret) = try await services.once.runInTurn("dev-seed", duration: 120) {
                        let madeKey = try await samples.ensureKeys(actor: actor)
                        try await services.repositories.instances.markDevelopment(now: services.clock.now())
                        try await samples.seedDemoAlumnus(actor: actor)
                        try await samples.seedApplicant(actor: actor)
                        let seeded = try await samples.seedApplication()
                        let seededMerchants = try await samples.seedMerchants(actor: actor)
                        let staffSecret = try await samples.seedStaff(actor: actor)
                        return (madeKey, seeded, seededMerchants, staffSecret)
                    }
                    printDevelopmentBanner(announced, made: madeFiles, madeKey: madeKey, seededApplication: seeded, seededMerchants: seededMerchants,
                                           staffSecret: staffSecret)
                } else {
                    if services.credentials.rootKey == nil, try await services.repositories.keys.currentKeySet() == nil {
                        logger.warning("no key set is installed and this host has no root key; verifiers cannot sync until `alumnicard keyset install` runs")
                    }
                    if try await services.repositories.keys.ring().active == nil {
                        logger.warning("there is no active signing key: token requests will fail until `alumnicard keys rotate` makes one")
                    }
                    if announced.publicURL == nil {
                        // Review 2, §C: without it cookies lose Secure and __Host-, and mail links point at the listener.
                        logger.warning("server.public_url is not set: cookies are not marked Secure and mail links point to \(announced.baseURL); set it to the https address people use (docs/issuer.md, Behind a proxy)")
                    }
                }
                try services.prepareForServing()
                try await services.publisher.refreshIfNeeded(now: services.clock.now(), actor: "daemon")
            }, onServerRunning: { port in
                var base = announced
                base.port = port
                // Unbuffered, so scripts and tests waiting for the line see it at once.
                FileHandleOutput.standardOutput.write("""
                    alumnicard: listening on \(base.baseURL)
                      alumni pages:     \(base.baseURL)/   staff console: \(base.baseURL)/staff
                      alumni app API:   \(base.baseURL)/v1/session, /v1/card, /v1/card/token, /v1/card/token/qr
                      key set:          \(base.baseURL)/.well-known/alumni-card/keyset.jws
                      health, metrics:  \(base.baseURL)/readyz, /metrics; API: \(base.baseURL)/openapi.yaml
                      storage:          \(base.postgres?.redacted ?? base.database)

                    """)
            })
            try await app.runService()
        } catch let error as IssuerServiceError {
            // The storage could not be opened or prepared: say why, as the other commands do.
            throw CommandFailure.failed(error.message)
        }
    }

    private func loadCredentials(_ configuration: IssuerConfiguration) throws(CommandFailure) -> IssuerCredentials {
        do { return try IssuerCredentials.load(configuration, environment: store.environment) } catch { throw .failed(error.message) }
    }

    private func printDevelopmentBanner(_ configuration: IssuerConfiguration, made: [String], madeKey: Bool, seededApplication: Bool, seededMerchants: Int,
                                        staffSecret: String?) {
        let rule = String(repeating: "!", count: 78)
        var lines = [
            rule,
            "!!  DEVELOPMENT MODE: the keys in \(configuration.dataDirectory) were made on this machine.",
            "!!  They are NOT FOR PRODUCTION. Never pin this root key in a real verifier.",
            rule,
        ]
        lines += made.map { "made \($0)" }
        if madeKey { lines.append("made the first signing key and signed a key set") }
        lines.append("demo alumnus: login \(DemoAlumnus.studentID) (or \(DemoAlumnus.email)), password \(DemoAlumnus.password)")
        lines.append("demo applicant (no card yet): login \(DemoAlumnus.Applicant.studentID), password \(DemoAlumnus.password)")
        lines.append("demo staff:   \(DemoAlumnus.staffName), password \(DemoAlumnus.password), at /staff/login (the first sign-in sets up the authenticator)")
        if let staffSecret { lines.append("              its TOTP secret, shown this once: \(staffSecret)") }
        if seededMerchants > 0 { lines.append("merchants:    \(seededMerchants) fictional partner merchants seeded (GET /v1/merchants)") }
        lines.append("admin token:  \((configuration.dataDirectory as NSString).appendingPathComponent("admin-token"))")
        lines.append("root public key for verifiers: \((configuration.dataDirectory as NSString).appendingPathComponent("root.pub.jwk"))")
        if configuration.smtpHost == nil { lines.append("mail:         no SMTP relay; each message is written to \(configuration.mailDirectory)/") }
        if seededApplication { lines.append("review queue: one sample application is waiting (alumnicard applications list --data-dir \(configuration.dataDirectory) --kek \((configuration.dataDirectory as NSString).appendingPathComponent("kek")))") }
        FileHandleOutput.standardOutput.write(lines.joined(separator: "\n") + "\n")
    }
}
