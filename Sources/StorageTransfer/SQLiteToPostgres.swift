import Crypto
import Foundation
import GRDB
import IssuerStore
import IssuerStorePostgres
import IssuerStoreSQLite
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// `alumnicard storage migrate --to URL`: copies an issuer's SQLite
/// database into an empty PostgreSQL one at the same schema version,
/// typed (integers, flags to `boolean`, blobs to `bytea`, sealed columns
/// byte for byte), in one transaction that is committed only once every
/// table's row count and checksum agree on both sides. A target that
/// holds anything is refused, so nothing is ever merged or overwritten.
///
/// The source must be quiet (the daemon stopped): the copy reads it table
/// by table.
public struct SQLiteToPostgres: Sendable {
    /// What was copied of one table, and its proof.
    public struct TableReport: Sendable, Equatable {
        public let table: String
        public let rows: Int
        /// SHA-256 over the sorted digests of every row's typed values: the
        /// same on both sides exactly when they hold the same rows.
        public let checksum: String
    }

    let source: AppDatabase
    let target: PostgresStorage
    let logger: Logger
    /// Rows per INSERT (well under PostgreSQL's 65,535 parameters for the widest table).
    static let batch = 200

    public init(source: AppDatabase, target: PostgresStorage, logger: Logger) {
        self.source = source
        self.target = target
        self.logger = logger
    }

    struct Column: Sendable {
        let name: String
        /// information_schema's data_type: bigint, integer, boolean, bytea, text.
        let type: String
        let identity: Bool
    }

    /// One value, as both sides are compared.
    enum Value: Sendable {
        case null, integer(Int64), flag(Bool), bytes([UInt8]), text(String)

        func encode(into bytes: inout [UInt8]) {
            switch self {
            case .null: bytes.append(0x4E)
            case .integer(let value): bytes += Array("I\(value);".utf8)
            case .flag(let value): bytes += Array((value ? "B1;" : "B0;").utf8)
            case .bytes(let value): bytes += Array("X\(value.count):".utf8) + value
            case .text(let value): bytes += Array("T\(value.utf8.count):".utf8) + Array(value.utf8)
            }
        }
    }

    /// Migrates the target to this build's schema, refuses it unless
    /// empty, copies every table and verifies it; returns the reports.
    public func run(now: Int64) async throws -> [TableReport] {
        try await PostgresMigrations.migrate(target, now: now)
        return try await target.inTransaction("cannot copy into PostgreSQL") { connection in
            let tables = try await Self.tables(connection)
            for table in tables.map(\.name) {
                let count = try await connection.value(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(Self.quoted(table))"), as: Int64.self) ?? 0
                if count > 0 {
                    throw IssuerStoreError(.invalidChange, "the target database is not empty (\(table) holds \(count) rows): give an empty database, made with createdb")
                }
            }
            var reports: [TableReport] = []
            for table in tables {
                let sourceColumns = try await self.read { db in try db.columns(in: table.name).map(\.name) }
                guard Set(sourceColumns) == Set(table.columns.map(\.name)) else {
                    throw IssuerStoreError(.invalidChange, "\(table.name) differs between the two schemas (SQLite: \(sourceColumns.sorted()); PostgreSQL: \(table.columns.map(\.name).sorted())); copy with the alumnicard version that wrote the SQLite file")
                }
                let copied = try await self.copy(table, connection: connection)
                let stored = try await Self.digest(table, connection: connection)
                guard copied.rows == stored.rows, copied.checksum == stored.checksum else {
                    throw IssuerStoreError(.invalidChange, "\(table.name): \(copied.rows) rows read, \(stored.rows) stored, checksums \(copied.checksum.prefix(12)) and \(stored.checksum.prefix(12)); nothing was committed")
                }
                try await Self.advanceIdentity(table, connection: connection)
                reports.append(copied)
                self.logger.info("copied", metadata: ["table": "\(table.name)", "rows": "\(copied.rows)"])
            }
            return reports
        }
    }

    struct Table: Sendable {
        let name: String
        let columns: [Column]
    }

    /// The target's tables, parents before the tables whose foreign keys name them.
    static func tables(_ connection: PostgresConnection) async throws -> [Table] {
        var columns: [String: [Column]] = [:]
        for try await (table, column, type, identity) in try await connection.query("""
            SELECT table_name::text, column_name::text, data_type::text, is_identity::text FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name <> 'schema_migration' ORDER BY table_name, ordinal_position
            """, logger: PostgresConnection.quietTransfer).decode((String, String, String, String).self) {
            columns[table, default: []].append(Column(name: column, type: type, identity: identity == "YES"))
        }
        var parents: [String: Set<String>] = [:]
        for try await (child, parent) in try await connection.query("""
            SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint
            WHERE contype = 'f' AND connamespace = current_schema()::regnamespace
            """, logger: PostgresConnection.quietTransfer).decode((String, String).self) where child != parent {
            parents[child, default: []].insert(parent)
        }
        var ordered: [Table] = [], placed: Set<String> = []
        var remaining = columns.keys.sorted()
        while !remaining.isEmpty {
            guard let next = remaining.first(where: { (parents[$0] ?? []).isSubset(of: placed) }) else {
                throw IssuerStoreError(.databaseUnavailable, "the target's foreign keys form a cycle among \(remaining); this build cannot order the copy")
            }
            ordered.append(Table(name: next, columns: columns[next] ?? []))
            placed.insert(next)
            remaining.removeAll { $0 == next }
        }
        return ordered
    }

    /// A read of the source off the cooperative pool (GRDB blocks).
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let source = source
        return try await NIOThreadPool.singleton.runIfActive { try source.writer.read(body) }
    }

    /// How a table's rows are read in order: by rowid, or (a WITHOUT
    /// ROWID table) by its primary key with an offset.
    enum Order: Sendable {
        case rowid
        case primaryKey(String)
    }

    func order(of table: String) async throws -> Order {
        try await read { db in
            // A WITHOUT ROWID table has no rowid column: the statement fails to prepare.
            if (try? db.makeStatement(sql: "SELECT rowid FROM \(Self.quoted(table)) LIMIT 0")) != nil { return .rowid }
            let key = try Row.fetchAll(db, sql: "SELECT name, pk FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", arguments: [table])
                .map { Self.quoted($0["name"] as String) }
            guard !key.isEmpty else { throw IssuerStoreError(.databaseUnavailable, "\(table) has neither a rowid nor a primary key to read it in order by") }
            return .primaryKey(key.joined(separator: ", "))
        }
    }

    /// Copies one table in batches; returns what was read.
    func copy(_ table: Table, connection: PostgresConnection) async throws -> TableReport {
        let names = table.columns.map { Self.quoted($0.name) }.joined(separator: ", ")
        let order = try await order(of: table.name)
        var digests: [[UInt8]] = []
        var after: Int64 = Int64.min, offset = 0
        while true {
            let from = after, skip = offset
            let (rows, last) = try await read { db -> ([[Value]], Int64?) in
                var rows: [[Value]] = [], last: Int64?
                let cursor: RowCursor
                switch order {
                case .rowid:
                    cursor = try Row.fetchCursor(db, sql: "SELECT \(names), rowid AS transfer_position FROM \(Self.quoted(table.name)) WHERE rowid > ? ORDER BY rowid LIMIT ?",
                                                 arguments: [from, Self.batch])
                case .primaryKey(let key):
                    cursor = try Row.fetchCursor(db, sql: "SELECT \(names), 0 AS transfer_position FROM \(Self.quoted(table.name)) ORDER BY \(key) LIMIT ? OFFSET ?",
                                                 arguments: [Self.batch, skip])
                }
                while let row = try cursor.next() {
                    last = row["transfer_position"]
                    rows.append(try table.columns.enumerated().map { index, column in
                        try Self.value(row[index] as DatabaseValue, column: column, table: table.name)
                    })
                }
                return (rows, last)
            }
            guard let last else { break }
            after = last
            offset += rows.count
            var bindings = PostgresBindings()
            var tuples: [String] = []
            for row in rows {
                var placeholders: [String] = []
                for value in row {
                    switch value {
                    case .null: bindings.appendNull()
                    case .integer(let number): bindings.append(number)
                    case .flag(let flag): bindings.append(flag)
                    case .bytes(let bytes): bindings.append(ByteBuffer(bytes: bytes))
                    case .text(let text): bindings.append(text)
                    }
                    placeholders.append("$\(bindings.count)")
                }
                tuples.append("(" + placeholders.joined(separator: ", ") + ")")
                digests.append(Self.rowDigest(row))
            }
            let sql = "INSERT INTO \(Self.quoted(table.name)) (\(names)) OVERRIDING SYSTEM VALUE VALUES \(tuples.joined(separator: ", "))"
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: PostgresConnection.quietTransfer)
        }
        return TableReport(table: table.name, rows: digests.count, checksum: Self.checksum(digests))
    }

    /// The same proof, read back from the target.
    static func digest(_ table: Table, connection: PostgresConnection) async throws -> TableReport {
        let names = table.columns.map { quoted($0.name) }.joined(separator: ", ")
        var digests: [[UInt8]] = []
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: "SELECT \(names) FROM \(quoted(table.name))"), logger: PostgresConnection.quietTransfer) {
            let cells = row.makeRandomAccess()
            var values: [Value] = []
            for (index, column) in table.columns.enumerated() {
                let cell = cells[index]
                switch column.type {
                case "bigint", "integer": values.append(try cell.decode(Int64?.self).map(Value.integer) ?? .null)
                case "boolean": values.append(try cell.decode(Bool?.self).map(Value.flag) ?? .null)
                case "bytea": values.append(try cell.decode(ByteBuffer?.self).map { Value.bytes(Array($0.readableBytesView)) } ?? .null)
                default: values.append(try cell.decode(String?.self).map(Value.text) ?? .null)
                }
            }
            digests.append(rowDigest(values))
        }
        return TableReport(table: table.name, rows: digests.count, checksum: checksum(digests))
    }

    /// A SQLite value as the target column's type takes it; anything that
    /// does not fit is refused with where it was.
    static func value(_ value: DatabaseValue, column: Column, table: String) throws -> Value {
        func refused(_ what: String) -> IssuerStoreError {
            IssuerStoreError(.invalidChange, "\(table).\(column.name) holds \(what), which a PostgreSQL \(column.type) column cannot take; nothing was committed")
        }
        switch (value.storage, column.type) {
        case (.null, _): return .null
        case (.int64(let number), "bigint"): return .integer(number)
        case (.int64(let number), "integer"):
            guard Int32(exactly: number) != nil else { throw refused("\(number)") }
            return .integer(number)
        case (.int64(let number), "boolean"):
            guard number == 0 || number == 1 else { throw refused("\(number)") }
            return .flag(number == 1)
        case (.blob(let data), "bytea"): return .bytes(Array(data))
        case (.string(let text), "bytea"): return .bytes(Array(text.utf8))
        case (.string(let text), "text"):
            guard !text.utf8.contains(0) else { throw refused("a NUL character") }
            return .text(text)
        case (.blob(let data), "text"):
            guard let text = String(data: data, encoding: .utf8), !text.utf8.contains(0) else { throw refused("bytes that are not text") }
            return .text(text)
        case (.int64(let number), "text"): return .text(String(number))
        case (.double(let number), _): throw refused("a real number \(number)")
        default: throw refused("a value of another type")
        }
    }

    static func rowDigest(_ row: [Value]) -> [UInt8] {
        var bytes: [UInt8] = []
        for value in row { value.encode(into: &bytes) }
        return Array(SHA256.hash(data: bytes))
    }

    /// Order-free: the sides may list rows in different orders (text sorts
    /// by collation on PostgreSQL, by bytes on SQLite).
    static func checksum(_ digests: [[UInt8]]) -> String {
        var hash = SHA256()
        for digest in digests.sorted(by: { $0.lexicographicallyPrecedes($1) }) { hash.update(data: digest) }
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// An identity column's next value follows the rows copied with their own ids.
    static func advanceIdentity(_ table: Table, connection: PostgresConnection) async throws {
        for column in table.columns where column.identity {
            try await connection.query(PostgresQuery(unsafeSQL: """
                SELECT setval(pg_get_serial_sequence('\(table.name)', '\(column.name)'), coalesce(max(\(quoted(column.name))), 0) + 1, false) FROM \(quoted(table.name))
                """), logger: PostgresConnection.quietTransfer)
        }
    }

    /// Names come from the target's catalogue, never from input; quoted all the same.
    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}

extension PostgresConnection {
    static let quietTransfer = Logger(label: "alumnicard.transfer")

    func value<T: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: T.Type) async throws -> T? {
        for try await value in try await self.query(query, logger: Self.quietTransfer).decode(T.self) { return value }
        return nil
    }
}
