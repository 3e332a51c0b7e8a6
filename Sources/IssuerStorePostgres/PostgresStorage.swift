import IssuerStore
import Logging
import PostgresNIO
import ServiceLifecycle

/// The issuer's storage on PostgreSQL: a pool of connections
/// (`PostgresClient`, which must run as a service for as long as it is
/// used), the frozen migrations (``PostgresMigrations``), and the
/// transactions every repository runs in. Several issuer instances share
/// one database through it; whatever one of them writes, the others read.
public final class PostgresStorage: Service, Sendable {
    public let client: PostgresClient
    let logger: Logger

    public init(configuration: PostgresClient.Configuration, logger: Logger) {
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
    }

    /// Runs the connection pool until the service group shuts down.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.client.run() }
    }

    /// How a transaction isolates itself. Every repository write that reads
    /// and then decides either locks the rows it read (`SELECT … FOR
    /// UPDATE`, under ``readCommitted``) or runs ``serializable`` and is
    /// retried when PostgreSQL reports a conflict.
    enum Isolation: String {
        case readCommitted = "READ COMMITTED"
        /// One snapshot for every query of the transaction (a read of several tables).
        case repeatableRead = "REPEATABLE READ"
        case serializable = "SERIALIZABLE"
    }

    /// The most attempts of a serializable transaction that keeps meeting conflicts.
    static let serializableAttempts = 8

    /// Runs `body` in one transaction on one pooled connection: committed
    /// when it returns, rolled back when it throws (its error rethrown as it
    /// was, a server error as an ``IssuerStoreError``). A serializable one is
    /// run again after a serialization failure or a deadlock.
    func transaction<T: Sendable>(_ doing: String, isolation: Isolation = .readCommitted,
                                  _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await client.withConnection { connection in
                    try await connection.query(PostgresQuery(unsafeSQL: "BEGIN ISOLATION LEVEL \(isolation.rawValue)"), logger: logger)
                    do {
                        let value = try await body(connection)
                        try await connection.query("COMMIT", logger: logger)
                        return value
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw error
                    }
                }
            } catch let error as PSQLError where error.isRetryableConflict && attempt < Self.serializableAttempts {
                attempt += 1
                // A short, growing pause, so racing transactions do not meet again at once.
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * attempt))))
            } catch let error as PSQLError {
                throw error.storeError(doing)
            }
        }
    }

    /// One READ COMMITTED transaction for work outside the repositories
    /// (`alumnicard storage migrate`): committed when `body` returns.
    public func inTransaction<T: Sendable>(_ doing: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction(doing, body)
    }

    /// Runs one read-only query outside an explicit transaction.
    func read<T: Sendable>(_ doing: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { try await body($0) }
        } catch let error as PSQLError {
            throw error.storeError(doing)
        }
    }
}

extension PSQLError {
    /// The server's SQLSTATE, when the server sent one.
    var sqlState: String? { serverInfo?[.sqlState] }

    /// A serialization failure or a deadlock: the transaction may simply be run again.
    var isRetryableConflict: Bool { sqlState == "40001" || sqlState == "40P01" }

    /// The store error callers act on: a unique key taken is an invalid
    /// change, a full disk is storage full, a lost or refused connection
    /// is busy (try again), anything else unavailable.
    func storeError(_ doing: String) -> IssuerStoreError {
        switch sqlState {
        case "23505": IssuerStoreError(.invalidChange, "\(doing): \(serverInfo?[.message] ?? "a unique value is already taken")")
        case "23503", "23514", "23502": IssuerStoreError(.invalidChange, "\(doing): \(serverInfo?[.message] ?? "a rule of the schema refused the change")")
        case "53100": IssuerStoreError(.storageFull, "\(doing): the database server's disk is full; nothing was written")
        case "53300", "57P03", "40001", "40P01", "55P03": .databaseBusy(doing)
        case .some(let state): IssuerStoreError(.databaseUnavailable, "\(doing): PostgreSQL error \(state): \(serverInfo?[.message] ?? "")")
        case nil: IssuerStoreError(.databaseUnavailable, "\(doing): cannot reach PostgreSQL (\(code))")
        }
    }
}
