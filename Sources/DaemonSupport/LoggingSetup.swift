import Logging

/// Process-wide logging for a daemon: one line per event on standard
/// error (journald timestamps and tags it), at the configured level, as
/// text or as JSON (`logging.format`).
///
/// What may be logged is the callers' duty: never passwords, session or
/// card tokens, national IDs or key material; card numbers and kids only.
public enum LoggingSetup {
    /// Parses `trace`…`critical`.
    public static func level(_ text: String) -> Logger.Level? { Logger.Level(rawValue: text.lowercased()) }

    /// `logging.format`: lines for people, or one JSON object a line for machines.
    public enum Format: String, Sendable, CaseIterable {
        case text, json
    }

    /// Bootstraps swift-log once per process.
    public static func bootstrap(level: Logger.Level, format: Format = .text) {
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            case .json:
                var handler = JSONLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
