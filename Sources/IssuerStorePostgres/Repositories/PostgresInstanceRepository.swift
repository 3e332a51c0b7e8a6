import IssuerStore
import PostgresNIO

/// ``InstanceRepository`` on PostgreSQL: a lease is taken by one upsert
/// that succeeds only when the row is absent, expired or the taker's own,
/// so of instances racing for it exactly one gets a row back.
public struct PostgresInstanceRepository: InstanceRepository {
    let storage: PostgresStorage

    public init(storage: PostgresStorage) { self.storage = storage }

    public func isDevelopment() async throws -> Bool {
        try await storage.read("cannot read the instance flags") { connection in
            try await connection.value("SELECT EXISTS (SELECT 1 FROM instance_flag WHERE name = 'development')", as: Bool.self) ?? false
        }
    }

    public func markDevelopment(now: Int64) async throws {
        try await storage.transaction("cannot mark the database a development one") { connection in
            _ = try await connection.run("INSERT INTO instance_flag (name, set_at) VALUES ('development', \(now)) ON CONFLICT (name) DO NOTHING")
        }
    }

    public func acquireLease(_ name: String, holder: String, now: Int64, duration: Int64) async throws -> Bool {
        guard LeaseRules.isValid(name: name, holder: holder) else { return false }
        let expiresAt = now.addingReportingOverflow(max(1, duration)).partialValue
        return try await storage.transaction("cannot take the lease \(name)") { connection in
            try await connection.value("""
                INSERT INTO lease (name, holder, expires_at) VALUES (\(name), \(holder), \(expiresAt))
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE lease.expires_at <= \(now) OR lease.holder = excluded.holder
                RETURNING holder
                """, as: String.self) == holder
        }
    }

    public func pruneLeases(expiredBefore time: Int64) async throws {
        try await storage.transaction("cannot prune leases") { connection in
            _ = try await connection.run("DELETE FROM lease WHERE expires_at < \(time)")
        }
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        try await storage.transaction("cannot give up the lease \(name)") { connection in
            _ = try await connection.run("DELETE FROM lease WHERE name = \(name) AND holder = \(holder)")
        }
    }
}
