import Foundation
import GRDB
import IssuerStore

extension AppDatabase {
    /// What a backup wrote.
    public struct BackupReport: Sendable {
        public let path: String
        public let bytes: Int64
    }

    /// Copies the database, while it serves, into a new file at `path`
    /// (mode 0600) with SQLite's online backup: a consistent copy as of
    /// one moment, taken from a read snapshot, so the daemon's writes go
    /// on meanwhile. The copy is written beside its target, checked with
    /// `PRAGMA integrity_check`, synced, and only then renamed into place:
    /// a crash or an error leaves no half backup under the name. An
    /// existing file is refused unless `replacing`.
    public func backup(to path: String, replacing: Bool = false) throws(IssuerStoreError) -> BackupReport {
        let manager = FileManager.default
        if manager.fileExists(atPath: path) && !replacing {
            throw IssuerStoreError(.invalidChange, "\(path) already exists and was left untouched; choose another name, or replace it knowingly")
        }
        let partial = path + ".partial-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let descriptor = Glibc.open(partial, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw IssuerStoreError(.databaseUnavailable, "cannot create \(partial): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        do {
            let copy = try DatabaseQueue(path: partial)
            try writer.backup(to: copy, pagesPerStep: 1_024)
            let check = try copy.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer" }
            try copy.close()
            guard check == "ok" else { throw IssuerStoreError(.databaseUnavailable, "the copy failed its integrity check: \(check)") }
            let file = Glibc.open(partial, O_RDONLY | O_CLOEXEC)
            if file >= 0 { fsync(file); close(file) }
            guard rename(partial, path) == 0 else {
                throw IssuerStoreError(.databaseUnavailable, "cannot rename the copy to \(path): \(String(cString: strerror(errno)))")
            }
            let bytes = (try? manager.attributesOfItem(atPath: path)[.size] as? NSNumber)??.int64Value ?? 0
            return BackupReport(path: path, bytes: bytes)
        } catch {
            unlink(partial)
            throw IssuerStoreError.wrapping(error, "cannot back up the database")
        }
    }
}
