import CardToken
import Crypto
import Foundation
import GRDB
import Logging
import SecureFiles
import Synchronization

/// Every verification, for the merchant's discount reconciliation: time,
/// kid, the card number as a keyed hash (HMAC-SHA256 under a key kept in
/// the data directory, so the log alone names no card), and the verdict.
/// Rows older than the retention are deleted as new ones arrive.
///
/// Scans are buffered in memory and written in one transaction per batch,
/// by the background flush (every second and at shutdown), never on a
/// request: a transaction per scan would cap the verifier at the disk's
/// commit rate. A crash loses at most the last second of log, never a
/// verdict. While writes fail the buffer keeps at most `bufferCapacity`
/// entries, dropping the oldest (counted and logged).
///
/// Pruning: rows older than the retention go, but the prune horizon moves
/// no faster than monotonic time, so one scan with the clock jumped to
/// 2099 cannot delete the whole log.
public final class VerifierAuditLog: Sendable {
    let writer: any DatabaseWriter
    /// HMAC-SHA256 under the audit key, keyed once: each scan's card hash
    /// starts from a copy instead of keying it again.
    let keyedHash: HMAC<SHA256>
    let retention: Int64
    let logger: Logger
    private struct Buffer {
        var entries: BoundedQueue<Entry>
        var dropped = 0
        /// Rows before this time may be deleted; nil until the first flush.
        var horizon: Int64?
        var horizonSetAt = ContinuousClock.now
    }
    private let buffer: Mutex<Buffer>

    public struct Entry: Sendable, Equatable {
        public let at: Int64
        public let kid: String?
        public let cardHash: String?
        public let verdict: String
        public let reason: String
    }

    /// Opens (creating) the audit database and its hashing key in `directory`.
    public init(databasePath: String, keyPath: String, retentionDays: Int, bufferCapacity: Int = 100_000,
                logger: Logger = Logger(label: "alumnicard-verifier")) throws(VerifierError) {
        retention = Int64(retentionDays) * 86_400
        self.logger = logger
        buffer = Mutex(Buffer(entries: BoundedQueue(capacity: max(1, bufferCapacity))))
        do {
            if !FileManager.default.fileExists(atPath: keyPath) {
                let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
                try SecureFile.write(bytes.base64EncodedData(), to: keyPath, mode: 0o600, replacing: false)
            }
            let text = String(decoding: try SecureFile.read(keyPath, limit: 1_024), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let bytes = Data(base64Encoded: text), bytes.count == 32 else {
                throw VerifierError(.storage, "\(keyPath) is not a 32-byte base64 key; restore it from backup (without it, old card hashes cannot be matched)")
            }
            keyedHash = HMAC<SHA256>(key: SymmetricKey(data: bytes))
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
            if let newest = try pool.read({ db in try Int64.fetchOne(db, sql: "SELECT max(at) FROM verification") }) {
                buffer.withLock { $0.horizon = newest.subtractingReportingOverflow(retention).partialValue }
            }
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
        var hash = keyedHash
        hash.update(data: Array(number.utf8))
        return Hexadecimal.encode(hash.finalize().prefix(16))
    }

    /// Records one verification (written with the next batch).
    public func record(at: Int64, kid: String?, cardNumber: String?, verdict: String, reason: String) {
        let entry = Entry(at: at, kid: kid, cardHash: cardNumber.map(cardHash), verdict: verdict, reason: reason)
        buffer.withLock { buffer in
            if buffer.entries.append(entry) { buffer.dropped += 1 }
        }
    }

    /// Entries waiting to be written.
    public var pendingCount: Int { buffer.withLock { $0.entries.count } }

    /// Writes the buffered entries in one transaction (GRDB's async write:
    /// no cooperative thread waits on the disk), and prunes rows past the
    /// horizon. Returns whether the write succeeded; on failure the entries
    /// are kept, within the buffer's capacity, for the next try.
    @discardableResult
    public func flush() async -> Bool {
        let (batch, dropped, horizon) = buffer.withLock { buffer -> ([Entry], Int, Int64?) in
            let entries = buffer.entries.removeAll()
            defer { buffer.dropped = 0 }
            guard let newest = entries.map(\.at).max() else { return ([], buffer.dropped, buffer.horizon) }
            let wanted = newest.subtractingReportingOverflow(retention).partialValue
            let elapsed = Int64((ContinuousClock.now - buffer.horizonSetAt).components.seconds)
            if let current = buffer.horizon {
                let allowed = current.addingReportingOverflow(elapsed)
                let next = min(wanted, allowed.overflow ? .max : allowed.partialValue)
                if next > current { buffer.horizon = next; buffer.horizonSetAt = .now }
            } else {
                buffer.horizon = (entries.map(\.at).min() ?? newest).subtractingReportingOverflow(retention).partialValue
                buffer.horizonSetAt = .now
            }
            return (entries, buffer.dropped, buffer.horizon)
        }
        if dropped > 0 {
            logger.error("audit entries dropped: the audit log could not be written", metadata: ["dropped": "\(dropped)"])
        }
        guard !batch.isEmpty else { return true }
        do {
            try await writer.write { db in
                let statement = try db.cachedStatement(sql: "INSERT INTO verification (at, kid, card_hash, verdict, reason) VALUES (?, ?, ?, ?, ?)")
                for entry in batch {
                    try statement.execute(arguments: [entry.at, entry.kid, entry.cardHash, entry.verdict, entry.reason])
                }
                if let horizon {
                    try db.execute(sql: "DELETE FROM verification WHERE at < ?", arguments: [horizon])
                }
            }
            return true
        } catch {
            logger.error("cannot write the audit log; entries are kept for the next try", metadata: ["error": "\(error)"])
            buffer.withLock { buffer in
                // The failed batch goes back in front of what arrived meanwhile.
                let newer = buffer.entries.removeAll()
                for entry in batch + newer where buffer.entries.append(entry) { buffer.dropped += 1 }
            }
            return false
        }
    }

    /// Entries at or after `since`, oldest first.
    public func entries(since: Int64) throws(VerifierError) -> [Entry] {
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
