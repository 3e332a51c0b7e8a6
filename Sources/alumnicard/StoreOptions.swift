import ArgumentParser
import CardKeys
import CardToken
import CLISupport
import Clocks
import DaemonSupport
import Foundation
import IssuerCore
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import Logging
import SecureFiles

/// Where the issuer's configuration, database and KEK are, shared by the
/// commands that touch them. Each has a default that suits the systemd
/// unit; `--config` and `--data-dir` let several instances run side by side.
struct StoreOptions: ParsableArguments {
    @Option(help: "The configuration file (default: $ALUMNICARD_CONFIG, else /etc/alumnicard/issuer.yaml if it exists).")
    var config: String?

    @Option(help: "The data directory: the database is <dir>/issuer.sqlite (overrides storage.data_dir).")
    var dataDir: String?

    @Option(help: "The issuer database (default: $ALUMNICARD_DATABASE, else storage.database, else <data_dir>/issuer.sqlite).")
    var database: String?

    @Option(help: "The key-encryption key file (default: secrets.kek_file, else the systemd credential \(KeyEncryptionKey.credentialName), else /etc/alumnicard/kek).")
    var kek: String?

    @Option(help: "Who to record in the audit log (default: cli:$USER).")
    var actor: String?

    @Option(help: "Act as of this time, in seconds since the Unix epoch (default: now). For drills and tests.")
    var now: Int64?

    /// The last second `--now` may name (9999-12-31T23:59:59Z): every
    /// horizon and lifetime added to or taken from it stays inside Int64.
    static let latestTime: Int64 = 253_402_300_799

    func validate() throws {
        if let now, !(0...Self.latestTime).contains(now) {
            throw ValidationError("--now is seconds since 1970-01-01T00:00:00Z, from 0 to \(Self.latestTime) (the year 9999), not \(now)")
        }
    }

    var environment: [String: String] { ProcessInfo.processInfo.environment }
    var time: Int64 { now ?? Int64(Date().timeIntervalSince1970) }
    var auditActor: String { actor ?? "cli:\(environment["USER"] ?? "unknown")" }

    /// The configuration file to read, if any.
    var configPath: String? {
        if let config { return config }
        if let path = environment["ALUMNICARD_CONFIG"], !path.isEmpty { return path }
        let system = "/etc/alumnicard/issuer.yaml"
        return FileManager.default.fileExists(atPath: system) ? system : nil
    }

    /// The configuration with this command's flags applied.
    func configuration() throws(CommandFailure) -> IssuerConfiguration {
        var configuration: IssuerConfiguration
        do {
            configuration = try IssuerConfiguration.load(path: configPath, environment: environment)
        } catch {
            throw .usage("invalid configuration: \(error)")
        }
        if let dataDir { configuration.dataDirectory = dataDir; configuration.databasePath = nil }
        if let path = database ?? (dataDir == nil ? environment["ALUMNICARD_DATABASE"] : nil) { configuration.databasePath = path }
        if let kek { configuration.kekFile = kek }
        return configuration
    }

    /// The KEK this command uses: `--kek`, `secrets.kek_file`, the systemd
    /// credential, else /etc/alumnicard/kek.
    func locateKEK(_ configuration: IssuerConfiguration) throws(CommandFailure) -> KeyEncryptionKey {
        do {
            return try KeyEncryptionKey.locate(explicitPath: configuration.kekFile, fallbackPath: "/etc/alumnicard/kek", environment: environment)
        } catch {
            throw .failed(error.message)
        }
    }

    /// The composed services on this command's storage, as the daemon has them but with no server and no background
    /// loop; the clock reads `--now`. Only `keyset refresh` gives it the
    /// root key; otherwise the daemon re-signs the key set after a change
    /// within its refresh interval.
    func openServices(rootKey: RootSigningKey? = nil) async throws(CommandFailure) -> IssuerServices {
        let configuration = try configuration()
        let kek = try locateKEK(configuration)
        var logger = Logger(label: "alumnicard")
        logger.logLevel = .warning
        do {
            let credentials = IssuerCredentials(kek: kek, rootKey: rootKey, bootstrapAdminTokenHash: nil,
                                                postgresPassword: try IssuerCredentials.postgresPassword(configuration, environment: environment))
            return try await IssuerServices.open(configuration: configuration, credentials: credentials, clock: IssuerClock { time }, logger: logger)
        } catch {
            throw Self.failure(error)
        }
    }

    /// Runs `body` on the services, the storage migrated and its pool
    /// running: the one place where a command's storage is opened and its
    /// failures become the command line's.
    func withServices<T: Sendable>(rootKey: RootSigningKey? = nil, _ body: @Sendable (IssuerServices) async throws -> T) async throws(CommandFailure) -> T {
        let services = try await openServices(rootKey: rootKey)
        do {
            return try await services.withStorageRunning {
                try await services.migrateStorage()
                return try await body(services)
            }
        } catch {
            throw Self.failure(error)
        }
    }

    /// Runs `body` on the SQLite key store alone: `keys rotate|revoke` on
    /// SQLite, which keep the rotation's crash failpoint inside its
    /// transaction and print what verifiers see. PostgreSQL takes the services' path.
    func withKeyStore<T>(_ body: (KeyStore) throws -> T) throws(CommandFailure) -> T {
        let configuration = try configuration()
        if configuration.postgres != nil {
            throw .failed("internal: the SQLite key store was asked for on a PostgreSQL configuration; please report it (storage.postgres_url is set)")
        }
        let kek = try locateKEK(configuration)
        do {
            try FileManager.default.createDirectory(atPath: parentDirectory(of: configuration.database),
                                                    withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let keyStore = try KeyStore(database: AppDatabase.open(path: configuration.database), kek: kek, policy: configuration.rotationPolicy)
            return try body(keyStore)
        } catch {
            throw Self.failure(error)
        }
    }

    /// Whether the configuration names PostgreSQL (`storage.postgres_url`).
    var usesPostgres: Bool {
        get throws(CommandFailure) { try configuration().postgres != nil }
    }

    /// What a command says when the work fails: a refusal with its code,
    /// a storage or start-up problem in its own words.
    static func failure(_ error: any Error) -> CommandFailure {
        switch error {
        case let error as CommandFailure: error
        case let error as IssuerError: .failed("\(error.code): \(error.message)")
        case let error as APIError: .failed("\(error.code): \(error.message)")
        case let error as IssuerStoreError: .failed(error.message)
        case let error as IssuerServiceError: .failed(error.message)
        case let error as CardKeysError: .failed(error.message)
        case let error as CocoaError: .failed("cannot create the directory of the database: \(error.localizedDescription)")
        default: .failed("\(error)")
        }
    }
}

/// Loading root keys from files or the systemd credential.
enum RootKeyFiles {
    static let credentialName = "alumnicard-root"

    static func signingKey(at path: String?) throws(CommandFailure) -> RootSigningKey {
        let environment = ProcessInfo.processInfo.environment
        guard let resolved = path ?? environment["CREDENTIALS_DIRECTORY"].map({ $0 + "/" + credentialName }) else {
            throw .usage("give the root key with --root FILE (or as the systemd credential \(credentialName))")
        }
        if SecureFile.isExposed(resolved) {
            printError("warning: \(resolved) can be read by other users; run `chmod 600 \(resolved)`")
        }
        do {
            return try RootSigningKey(jwk: JSONDecoder().decode(JSONWebKey.self, from: read(resolved)))
        } catch let error as CardKeysError {
            throw .usage("\(resolved): \(error.message)")
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw .usage("\(resolved) is not a JWK: \(JSONWebKeySet.describe(error))")
        }
    }

    /// Pinned roots: a JWK, or a JWK Set of several (during a root rotation).
    static func publicKeys(at path: String) throws(CommandFailure) -> [RootPublicKey] {
        let data = try read(path)
        do {
            let set = try JSONWebKeySet(json: data)
            return try set.keys.map { jwk throws(CardKeysError) in try RootPublicKey(jwk: jwk) }
        } catch let error as CardKeysError {
            throw .usage("\(path): \(error.message)")
        } catch {
            throw .usage("\(path): \(error)")
        }
    }

    static func read(_ path: String) throws(CommandFailure) -> Data {
        do { return try SecureFile.read(path, limit: 1 << 20) } catch { throw .usage("cannot read \(path): \(error.message)") }
    }

    static func writeJSON(_ value: some Encodable, to path: String, replacing: Bool) throws(CommandFailure) {
        guard let data = prettyJSON(value) else { throw .failed("cannot encode \(path)") }
        do {
            try SecureFile.write(data, to: path, mode: 0o600, replacing: replacing)
        } catch where error.code == .alreadyExists {
            throw .failed("\(path) already exists and was left untouched; pass --force to replace it")
        } catch {
            throw .failed(error.message)
        }
    }
}

/// Times for people: ISO 8601 in UTC beside the epoch seconds.
func describeTime(_ epoch: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    return "\(formatter.string(from: Date(timeIntervalSince1970: TimeInterval(epoch)))) (\(epoch))"
}
