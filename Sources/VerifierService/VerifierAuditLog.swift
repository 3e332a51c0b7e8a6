import CardToken
import Crypto
import Foundation
import GRDB
import SecureFiles
import Synchronization

/// Every verification, for the merchant's discount reconciliation: time,
/// kid, the card number as a keyed hash (HMAC-SHA256 under a key kept in
/// the data directory, so the log alone names no card), and the verdict.
/// Rows older than the retention are deleted as new ones arrive.
///
/// Scans are buffered in memory and written in one transaction per batch
/// (every second, at 256 entries, and at shutdown): a transaction per scan
/// would cap the verifier at the disk's commit rate. A crash loses at most
/// the last second of log, never a verdict.
public final class VerifierAuditLog: Sendable {
    let writer: any DatabaseWriter
    let key: SymmetricKey
    let retention: Int64
    private let pending = Mutex<[Entry]>([])
    static let batchSize = 256

    public struct Entry: Sendable, Equatable {
        public let at: Int64
        public let kid: String?
        public let cardHash: String?
        public let verdict: String
        public let reason: String
    }

    /// Opens (creating) the audit database and its hashing key in `directory`.
    public init(databasePath: String, keyPath: String, retentionDays: Int) throws(VerifierError) {
        retention = Int64(retentionDays) * 86_400
        do {
            if !FileManager.default.fileExists(atPath: keyPath) {
                let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
                try SecureFile.write(bytes.base64EncodedData(), to: keyPath, mode: 0o600, replacing: false)
            }
            let text = String(decoding: try SecureFile.read(keyPath, limit: 1_024), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let bytes = Data(base64Encoded: text), bytes.count == 32 else {
                throw VerifierError(.storage, "\(keyPath) is not a 32-byte base64 key; restore it from backup (without it, old card hashes cannot be matched)")
            }
            key = SymmetricKey(data: bytes)
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            // WAL with synchronous=NORMAL: commits survive a crash of the
            // process; a power cut may lose the last batch.
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
            let previous = umask(0o077)
            defer { umask(previous) }
            let pool = try DatabasePool(path: databasePath, configuration: configuration)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1: verifications") { db in
                try db.execute(sql: """
                    CREATE TABLE verification (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at INTEGER NOT NULL,
                        kid TEXT,
                        card_hash TEXT,
                        verdict TEXT NOT NULL,
                        reason TEXT NOT NULL
                    );
                    CREATE INDEX verification_at ON verification(at);
                    """)
            }
            try migrator.migrate(pool)
            writer = pool
        } catch let error as VerifierError {
            throw error
        } catch let error as SecureFileError {
            throw VerifierError(.storage, "the audit log's key: \(error.message)")
        } catch {
            throw VerifierError(.storage, "cannot open the audit log \(databasePath): \(error)")
        }
    }

    /// The keyed hash of a card number, as stored.
    public func cardHash(_ number: String) -> String {
        Hexadecimal.encode(HMAC<SHA256>.authenticationCode(for: Array(number.utf8), using: key).prefix(16))
    }

    /// Records one verification (written with the next batch).
    public func record(at: Int64, kid: String?, cardNumber: String?, verdict: String, reason: String) {
        let entry = Entry(at: at, kid: kid, cardHash: cardNumber.map(cardHash), verdict: verdict, reason: reason)
        let full = pending.withLock { pending in
            pending.append(entry)
            return pending.count >= Self.batchSize
        }
        if full { flush() }
    }

    /// Writes the buffered entries in one transaction, and prunes rows past
    /// the retention. Returns whether the write succeeded (on failure the
    /// entries are kept for the next try).
    @discardableResult
    public func flush() -> Bool {
        let batch = pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        guard !batch.isEmpty else { return true }
        do {
            try writer.write { db in
                let statement = try db.cachedStatement(sql: "INSERT INTO verification (at, kid, card_hash, verdict, reason) VALUES (?, ?, ?, ?, ?)")
                for entry in batch {
                    try statement.execute(arguments: [entry.at, entry.kid, entry.cardHash, entry.verdict, entry.reason])
                }
                try db.execute(sql: "DELETE FROM verification WHERE at < ?", arguments: [batch[batch.count - 1].at - retention])
            }
            return true
        } catch {
            pending.withLock { $0.insert(contentsOf: batch, at: 0) }
            return false
        }
    }

    /// Entries at or after `since`, oldest first.
    public func entries(since: Int64) throws(VerifierError) -> [Entry] {
        flush()
        do {
            return try writer.read { db in
                try Row.fetchAll(db, sql: "SELECT at, kid, card_hash, verdict, reason FROM verification WHERE at >= ? ORDER BY id", arguments: [since]).map {
                    Entry(at: $0["at"], kid: $0["kid"], cardHash: $0["card_hash"], verdict: $0["verdict"], reason: $0["reason"])
                }
            }
        } catch {
            throw VerifierError(.storage, "cannot read the audit log: \(error)")
        }
    }

    /// The entries as CSV (RFC 4180), with an ISO 8601 UTC time column.
    public static func csv(_ entries: [Entry]) -> String {
        let formatter = ISO8601DateFormatter()
        var text = "time,epoch,kid,card_hash,verdict,reason\r\n"
        for entry in entries {
            let fields = [formatter.string(from: Date(timeIntervalSince1970: TimeInterval(entry.at))), String(entry.at),
                          entry.kid ?? "", entry.cardHash ?? "", entry.verdict, entry.reason]
            text += fields.map { field in
                field.contains(where: { ",\"\r\n".contains($0) }) ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
            }.joined(separator: ",") + "\r\n"
        }
        return text
    }
}
