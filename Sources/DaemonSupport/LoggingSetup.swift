import Logging

/// Process-wide logging for a daemon: one line per event on standard
/// error (journald timestamps and tags it), at the configured level.
///
/// What may be logged is the callers' duty: never passwords, session or
/// card tokens, national IDs or key material; card numbers and kids only.
public enum LoggingSetup {
    /// Parses `trace`…`critical`.
    public static func level(_ text: String) -> Logger.Level? { Logger.Level(rawValue: text.lowercased()) }

    /// Bootstraps swift-log once per process.
    public static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
