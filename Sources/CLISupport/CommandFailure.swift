import ArgumentParser

/// A command's failure, with the exit status it should end with: 2 when the
/// user asked for something that cannot be done as asked (a usage error, a
/// missing or unreadable input file), 1 when the work itself failed or was
/// refused.
public struct CommandFailure: Error, CustomStringConvertible {
    public let message: String
    public let status: Int32

    public static func usage(_ message: String) -> CommandFailure { CommandFailure(message: message, status: 2) }
    public static func failed(_ message: String) -> CommandFailure { CommandFailure(message: message, status: 1) }

    public var description: String { message }
}

/// Exit statuses shared by `alumnicard` and `alumnicard-verifier`.
public enum ExitStatus {
    /// The token is ok; the command did what was asked.
    public static let success: Int32 = 0
    /// The token was refused; or the command failed.
    public static let refused: Int32 = 1
    /// A usage error: bad flags, a missing or unreadable input.
    public static let usage: Int32 = 2
}

extension ParsableCommand {
    /// Runs the root command with AlumniCard's exit statuses: ArgumentParser
    /// answers usage errors with 64, and our contract says 2.
    public static func runWithExitStatuses() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            printError("\(Self._commandName): \(failure.message)")
            exit(withError: ExitCode(failure.status))
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                exit(withError: ExitCode(ExitStatus.usage))
            }
            exit(withError: error)
        }
    }
}

/// Writes a line to standard error.
public func printError(_ line: String) {
    FileHandleOutput.standardError.write(line + "\n")
}
