import Foundation

/// Runs an independent tool (a Python interop script, a decoder) as a
/// separate process, feeding it standard input and collecting its output.
public enum ExternalTool {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Runs `executable` with `arguments`, writes `input` to its standard
    /// input, and returns its standard output; throws with its standard
    /// error when it exits non-zero.
    public static func run(_ executable: URL, _ arguments: [String], input: Data = Data()) throws -> Data {
        let result = try runCollecting(executable, arguments, input: input)
        guard result.status == 0 else {
            throw Failure(description: "\(executable.lastPathComponent) \(arguments.joined(separator: " ")) exited \(result.status): \(result.standardError)")
        }
        return result.standardOutput
    }

    /// What a finished process left behind.
    public struct Result: Sendable {
        public let status: Int32
        public let standardOutput: Data
        public let standardError: String
        public var output: String { String(decoding: standardOutput, as: UTF8.self) }
    }

    /// Runs `executable` and returns its exit status and output, whatever the status.
    public static func runCollecting(_ executable: URL, _ arguments: [String], input: Data = Data(), environment: [String: String]? = nil, currentDirectory: URL? = nil) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw Failure(description: "\(executable.path) is missing; run the tests with scripts/test, which installs the interop tools into .build/test-venv")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Read both pipes while writing, so neither side blocks on a full buffer.
        let group = DispatchGroup()
        nonisolated(unsafe) var output = Data(), errors = Data()
        DispatchQueue.global().async(group: group) { output = stdout.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errors = stderr.fileHandleForReading.readDataToEndOfFile() }
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, standardOutput: output, standardError: String(decoding: errors, as: UTF8.self))
    }

    /// Runs a script of `Tests/Interop` with the test venv's Python.
    public static func python(_ script: String, _ arguments: [String] = [], input: Data = Data()) throws -> Data {
        try run(ProjectPaths.testPython, [ProjectPaths.interopScript(script).path] + arguments, input: input)
    }
}

/// Runs blocking work (starting a process and waiting for its line,
/// waiting for an exit, a pipe read) on a thread of its own, so it does
/// not hold one of the few cooperative threads that the tests' servers,
/// running in this same process, need to answer.
public func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try body() })
        }
    }
}

/// The outcome of async work as a value, so cleanup that must run (a
/// client's shutdown) runs before an error is rethrown.
public func outcome<T: Sendable>(of body: () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}
