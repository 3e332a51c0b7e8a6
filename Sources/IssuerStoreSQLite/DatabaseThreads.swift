import IssuerStore
import NIOPosix
import Synchronization

/// Threads of their own for the stores' GRDB calls, so that a write lock
/// held by another process (an import, the rotation timer, a backup) makes
/// database work wait there, never on Swift's cooperative threads, where
/// it would stall every request, `/healthz` included. Reads and writes
/// have separate pools: writes queue behind a held lock, reads in WAL mode
/// do not, and should not queue behind the writes.
///
/// Writes wait for the lock in turn (SQLite has one writer), so while the
/// lock is held elsewhere each queued write would add its whole busy
/// timeout to the next one's wait. Once a write has timed out, the gate
/// refuses writes at once with ``IssuerStoreError/Code/databaseBusy`` (503)
/// for a second, then lets the next one try the lock again.
public struct DatabaseThreads: Sendable {
    let readers: NIOThreadPool
    /// Per database, as the gate is: another database's held lock is no
    /// reason to refuse, nor to wait (several databases share a process in
    /// the tests, where a shared writer thread made one test's held lock
    /// delay the others' writes by seconds).
    let writer = WriterThread()
    let gate = WriteGate()

    /// The reader threads, shared by every database in the process: started once, never shut down.
    private static let readerPool: NIOThreadPool = {
        let readers = NIOThreadPool(numberOfThreads: 6)
        readers.start()
        return readers
    }()

    /// The process's reader threads, and a writer thread and a write gate for one database.
    public init() {
        readers = Self.readerPool
    }

    /// Runs `body`, which only reads, on a reader thread.
    public func read<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await readers.runIfActive(body)
    }

    /// Runs `body`, which writes (or may), on a writer thread.
    public func write<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let gate = gate
        return try await writer.pool.runIfActive {
            // Decided when the write's turn comes, so writes queued before
            // the lock was found held are refused quickly too.
            try gate.enter()
            do {
                let result = try body()
                gate.succeeded()
                return result
            } catch let error as IssuerStoreError where error.code == .databaseBusy {
                gate.timedOut()
                throw error
            } catch {
                gate.succeeded() // the lock was had; the write failed for another reason
                throw error
            }
        }
    }
}

/// One database's writer thread. SQLite has one writer (GRDB one writer
/// connection): more threads would only queue inside GRDB, where the gate
/// cannot see them. Stopped when the last copy of its ``DatabaseThreads``
/// goes.
final class WriterThread: Sendable {
    let pool = NIOThreadPool(numberOfThreads: 1)

    init() { pool.start() }

    deinit { pool.shutdownGracefully { _ in } }
}

/// The state behind ``DatabaseThreads``' write gate: after a write timed
/// out on the lock, writes are refused at once for `coolDown`; then the
/// next one tries the lock again (and, if it times out, starts another
/// cool-down). A write that gets the lock opens the gate.
final class WriteGate: Sendable {
    let coolDown: Duration
    private let refuseUntil = Mutex<ContinuousClock.Instant?>(nil)

    init(coolDown: Duration = .seconds(1)) { self.coolDown = coolDown }

    func enter() throws(IssuerStoreError) {
        let refusing = refuseUntil.withLock { until -> Bool in
            guard let deadline = until else { return false }
            return ContinuousClock.now < deadline
        }
        if refusing {
            throw .databaseBusy("cannot write the database")
        }
    }

    /// A write got the lock: the gate opens for everyone.
    func succeeded() {
        refuseUntil.withLock { $0 = nil }
    }

    func timedOut() {
        refuseUntil.withLock { $0 = ContinuousClock.now + coolDown }
    }
}
