import Foundation
import Synchronization

/// A daemon started as a real process for end-to-end tests: waits for the
/// line in which it announces its address, keeps everything it prints,
/// and stops it with a signal.
public final class RunningDaemon: Sendable {
    public let process: Process
    public let port: Int
    private let output: SharedText

    /// Text appended by the pipe's reader thread and read by the test.
    final class SharedText: Sendable {
        private let text = Mutex("")
        func append(_ data: Data) -> String { text.withLock { $0 += String(decoding: data, as: UTF8.self); return $0 } }
        var value: String { text.withLock { $0 } }
    }

    final class SharedPort: Sendable {
        private let port = Mutex<Int?>(nil)
        var value: Int? { port.withLock { $0 } }
        func set(_ value: Int) { port.withLock { $0 = value } }
    }

    /// Starts `executable` and waits up to `timeout` for a line containing
    /// `marker` followed by `HOST:PORT` (default `listening on http://…:PORT`).
    /// Standard error goes to `errorLog` when one is given (the daemons' logs
    /// apart from what they print), else with standard output to `printed`.
    public init(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil, timeout: Duration = .seconds(60),
                marker: String = "listening on http://", errorLog: URL? = nil) throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        if let errorLog {
            guard FileManager.default.createFile(atPath: errorLog.path, contents: nil), let handle = FileHandle(forWritingAtPath: errorLog.path) else {
                throw ExternalTool.Failure(description: "cannot create \(errorLog.path)")
            }
            process.standardError = handle
        } else {
            process.standardError = pipe
        }
        process.standardInput = FileHandle.nullDevice
        let output = SharedText()
        let announced = DispatchSemaphore(value: 0)
        let port = SharedPort()
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil; announced.signal(); return }
            let text = output.append(data)
            if port.value == nil, let found = Self.announcedPort(in: text, marker: marker) {
                port.set(found)
                announced.signal()
            }
        }
        try Self.withTerminationSignalsUnblocked { try process.run() }
        if errorLog != nil { try? (process.standardError as? FileHandle)?.close() } // the child holds its own copy
        let (seconds, attoseconds) = timeout.components
        _ = announced.wait(timeout: .now() + .seconds(Int(seconds)) + .nanoseconds(Int(attoseconds / 1_000_000_000)))
        guard let found = port.value else {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            throw ExternalTool.Failure(description: "\(executable.lastPathComponent) did not announce its address:\n\(output.value)")
        }
        self.process = process
        self.port = found
        self.output = output
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var printed: String { output.value }

    /// Sends `signal` (default SIGTERM) and waits for the exit status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
    }

    /// Runs `body` (which spawns a child) with SIGTERM and SIGINT unblocked
    /// on this thread. A child inherits its parent thread's signal mask, and
    /// the test runner's threads may block these signals; a child that kept
    /// them blocked would never stop when `stop()` asks it to.
    static func withTerminationSignalsUnblocked<T>(_ body: () throws -> T) rethrows -> T {
        var unblock = sigset_t(), previous = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGTERM)
        sigaddset(&unblock, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &unblock, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }

    static func announcedPort(in text: String, marker: String = "listening on http://") -> Int? {
        guard let range = text.range(of: marker) else { return nil }
        let rest = text[range.upperBound...]
        guard let line = rest.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first,
              rest.contains("\n"), let colon = line.lastIndex(of: ":") else { return nil }
        return Int(line[line.index(after: colon)...].prefix { $0.isNumber })
    }
}
