import Foundation
import Testing

/// A task executor with one thread of its own. Work that blocks or burns
/// CPU for long (encoding hundreds of QR codes, waiting on a child
/// process) runs here instead of on the cooperative pool, which has only
/// as many threads as the machine has cores and which the servers that
/// other tests run in this same process need in order to answer in time.
public final class DedicatedThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false

    /// A thread-specific key set on every dedicated thread (Foundation's
    /// `Thread.current.name` does not report a name given before start on Linux).
    private static let marker: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Whether the calling code runs on a `DedicatedThreadExecutor`'s thread.
    public static var isCurrentThreadDedicated: Bool {
        pthread_getspecific(marker) != nil
    }

    public init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the thread end once the jobs it holds have run.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        pthread_setspecific(Self.marker, UnsafeRawPointer(bitPattern: 1))
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Runs each test it marks (or each test of a suite it marks) on a
/// `DedicatedThreadExecutor`, so a CPU-bound or blocking test cannot
/// starve the cooperative pool that timing-sensitive tests depend on.
public struct OwnThreadTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        guard testCase != nil else {
            try await function()
            return
        }
        let executor = DedicatedThreadExecutor(name: "test: \(test.name)")
        defer { executor.shutdown() }
        try await withTaskExecutorPreference(executor) {
            try await function()
        }
    }
}

extension Trait where Self == OwnThreadTrait {
    /// Runs the test's body on a thread of its own, off the cooperative pool.
    public static var onItsOwnThread: Self { OwnThreadTrait() }
}
