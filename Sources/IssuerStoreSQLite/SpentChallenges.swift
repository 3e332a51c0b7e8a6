import IssuerStore
import Foundation
import GRDB

/// Human-check challenges already used, remembered until they expire, in
/// the database: a restart or a second instance refuses them too.
public struct SpentChallenges: Sendable {
    public let database: AppDatabase

    public init(database: AppDatabase) { self.database = database }

    /// Marks the challenge spent; false when it already was.
    public func spend(signature: [UInt8], expiresAt: Int64, now: Int64) throws(IssuerStoreError) -> Bool {
        try database.write { db in
            try db.execute(sql: "DELETE FROM spent_challenge WHERE expires_at <= ?", arguments: [now])
            try db.execute(sql: "INSERT OR IGNORE INTO spent_challenge (signature, expires_at) VALUES (?, ?)", arguments: [Data(signature), expiresAt])
            return db.changesCount == 1
        }
    }
}
