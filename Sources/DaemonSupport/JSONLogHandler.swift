import Foundation
import Logging
import Synchronization

/// Logs for machines (`logging.format: json`): one JSON object a line with
/// stable keys, `ts` (RFC 3339, UTC, milliseconds), `level`, `label`,
/// `source`, `message` and `metadata` (an object of strings, keys sorted;
/// `{}` when there is none, so every line has the same keys). What is
/// logged is what the text format logs: never a secret, a token or a
/// personal datum (the callers' duty).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let write: @Sendable (String) -> Void

    /// A handler that hands each finished line (with its newline) to `write`.
    public init(label: String, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.write = write
    }

    /// A handler writing to standard error, one `write(2)` a line so lines
    /// from many threads never interleave.
    public static func standardError(label: String) -> JSONLogHandler {
        JSONLogHandler(label: label) { line in
            standardErrorLock.withLock { _ in
                var bytes = Array(line.utf8)
                var offset = 0
                while offset < bytes.count {
                    let written = bytes.withUnsafeMutableBytes { Foundation.write(2, $0.baseAddress! + offset, $0.count - offset) }
                    if written <= 0 { break }
                    offset += written
                }
                bytes.removeAll()
            }
        }
    }

    private static let standardErrorLock = Mutex(())

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        let level = event.level, message = event.message, source = event.source
        var out = "{\"ts\":"
        Self.quote(Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)), into: &out)
        out += ",\"level\":"
        Self.quote(level.rawValue, into: &out)
        out += ",\"label\":"
        Self.quote(label, into: &out)
        out += ",\"source\":"
        Self.quote(source, into: &out)
        out += ",\"message\":"
        Self.quote(message.description, into: &out)
        out += ",\"metadata\":{"
        for (index, key) in merged.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            Self.quote(key, into: &out)
            out += ":"
            Self.quote(merged[key]!.description, into: &out)
        }
        out += "}}\n"
        write(out)
    }

    /// A JSON string (RFC 8259 §7): quotes, backslashes and control characters escaped.
    static func quote(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0x2028...0x2029).contains(scalar.value):
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
