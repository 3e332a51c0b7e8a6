import ArgumentParser
import CLISupport
import Foundation
import IssuerService
import IssuerStore
import IssuerStorePostgres
import IssuerStoreSQLite
import Logging
import StorageTransfer

/// `alumnicard storage`: moving the issuer's data between backends.
struct StorageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage",
        abstract: "Move the issuer's data between storage backends.",
        subcommands: [Migrate.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the SQLite database into an empty PostgreSQL database.",
            discussion: """
                Stop the daemon first: the copy reads the SQLite file table by table. The target is migrated to this version's \
                schema and must be empty; every table is copied with its types (flags to boolean, blobs to bytea, sealed columns \
                byte for byte) in one transaction, committed only when each table's row count and checksum agree on both sides. \
                The SQLite file is left as it was. Uploaded documents stay where they are (storage.document_dir). Then set \
                storage.postgres_url and start the daemon (docs/scale-out.md).
                """)

        @OptionGroup var store: StoreOptions

        @Option(help: "The target, a libpq URL without a password (postgres://user@host:5432/db?sslmode=verify-full&sslrootcert=FILE).")
        var to: String

        @Option(help: "The target's password, one line in a 0600 file (default: storage.postgres_password_file, else the credential alumnicard-postgres-password).")
        var passwordFile: String?

        func run() async throws {
            var configuration = try store.configuration()
            let path = configuration.database
            guard FileManager.default.fileExists(atPath: path) else { throw CommandFailure.failed("there is no SQLite database at \(path)") }
            let settings: PostgresConnectionSettings
            do { settings = try PostgresConnectionSettings(url: to, passwordAllowedInURL: false) } catch {
                throw CommandFailure.usage(error.message.replacingOccurrences(of: "storage.postgres_url", with: "--to"))
            }
            configuration.postgres = settings
            if let passwordFile { configuration.postgresPasswordFile = passwordFile }
            let password: String?
            do { password = try IssuerCredentials.postgresPassword(configuration, environment: store.environment) } catch {
                throw CommandFailure.failed(error.message)
            }
            let kek = try store.locateKEK(configuration)
            let logger = { var logger = Logger(label: "alumnicard"); logger.logLevel = .warning; return logger }()
            do {
                let source = try AppDatabase.open(path: path)
                // The KEK must be the source's: the copy opens with it and nothing else.
                _ = try KeyStore(database: source, kek: kek)
                var poolLogger = logger
                poolLogger.logLevel = .error
                let target = PostgresStorage(configuration: try settings.clientConfiguration(password: password, applicationName: "alumnicard-migrate"),
                                             logger: poolLogger)
                let now = store.time
                let reports = try await withThrowingTaskGroup(of: [SQLiteToPostgres.TableReport]?.self) { group in
                    group.addTask { try await target.run(); return nil }
                    group.addTask { try await SQLiteToPostgres(source: source, target: target, logger: logger).run(now: now) }
                    defer { group.cancelAll() }
                    while let finished = try await group.next() {
                        if let finished { return finished }
                    }
                    return []
                }
                for report in reports {
                    print("\(report.table.padding(toLength: 24, withPad: " ", startingAt: 0)) \(String(report.rows).leftPadded(to: 8)) rows  sha256 \(report.checksum.prefix(16))")
                }
                print("""
                    copied \(reports.reduce(0) { $0 + $1.rows }) rows in \(reports.count) tables from \(path) to \(settings.redacted); every count and checksum agrees.
                    Next: set storage.postgres_url (and the password file) on every instance, keep storage.document_dir at \(configuration.documentDirectory), and start the daemon.
                    """)
            } catch let error as CommandFailure {
                throw error
            } catch {
                throw StoreOptions.failure(error)
            }
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
