import ArgumentParser
import CLISupport
import Foundation
import IssuerService
import IssuerStore
import IssuerStorePostgres
import IssuerStoreSQLite

/// `alumnicard backup`: a consistent copy of the SQLite database while the
/// daemon serves it (docs/key-rotation.md, Backup and restore). PostgreSQL
/// is backed up with `pg_dump` (docs/scale-out.md).
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the issuer's SQLite database, consistently, while the daemon runs.",
        discussion: """
            SQLite's online backup copies the database as of one moment without stopping the daemon. The copy is checked \
            (PRAGMA integrity_check), synced, made 0600 and only then given its name. It holds sealed personal data and \
            sealed keys: keep it as you keep the database, and keep the KEK apart from it, since the copy opens only with it.
            """)

    @OptionGroup var store: StoreOptions

    @Option(help: "The file to write (refused if it exists, unless --force).")
    var out: String

    @Flag(help: "Replace --out if it exists.")
    var force = false

    func run() throws {
        let configuration = try store.configuration()
        if let postgres = configuration.postgres {
            throw CommandFailure.failed("the issuer's data is on PostgreSQL (\(postgres.redacted)): back it up with pg_dump (docs/scale-out.md, Backups)")
        }
        guard FileManager.default.fileExists(atPath: configuration.database) else {
            throw CommandFailure.failed("there is no database at \(configuration.database)")
        }
        do {
            let database = try AppDatabase.open(path: configuration.database, migrate: false)
            let report = try database.backup(to: out, replacing: force)
            print("backed up \(configuration.database) to \(report.path) (\(report.bytes) bytes)")
        } catch {
            throw CommandFailure.failed(error.message)
        }
    }
}
