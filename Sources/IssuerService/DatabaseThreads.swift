import NIOPosix

/// Threads of their own for the stores' GRDB calls, so that a write lock
/// held by another process (an import, the rotation timer, a backup) makes
/// database work wait there, never on Swift's cooperative threads, where
/// it would stall every request, `/healthz` included. Reads and writes
/// have separate pools: writes queue behind a held lock, reads in WAL mode
/// do not, and should not queue behind the writes.
public struct DatabaseThreads: Sendable {
    let readers: NIOThreadPool
    let writers: NIOThreadPool

    /// One pair for the process: started once, never shut down.
    public static let shared: DatabaseThreads = {
        let readers = NIOThreadPool(numberOfThreads: 6)
        let writers = NIOThreadPool(numberOfThreads: 4)
        readers.start()
        writers.start()
        return DatabaseThreads(readers: readers, writers: writers)
    }()

    /// Runs `body`, which only reads, on a reader thread.
    public func read<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await readers.runIfActive(body)
    }

    /// Runs `body`, which writes (or may), on a writer thread.
    public func write<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await writers.runIfActive(body)
    }
}
