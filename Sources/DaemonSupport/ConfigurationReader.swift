import Foundation

/// Reads a two-level YAML configuration (`section: { key: value }`) with
/// environment overrides, typed getters and a check for unknown keys.
///
/// An environment variable `PREFIX_SECTION_KEY` (upper case, dots and
/// dashes as underscores) overrides `section.key`; a command-line flag,
/// applied by the caller after reading, overrides both. Every getter names
/// the key and where its value came from when the value is wrong, and
/// ``finish()`` refuses keys nobody asked for, so a typo such as
/// `server.prot` stops start-up instead of being ignored.
public final class ConfigurationReader {
    /// Where a value came from, for error messages.
    public enum Source: Sendable, CustomStringConvertible {
        case file(String)
        case environment(String)
        case defaultValue

        public var description: String {
            switch self {
            case .file(let path): "from \(path)"
            case .environment(let name): "from $\(name)"
            case .defaultValue: "default"
            }
        }
    }

    /// The largest configuration file read; a config is a few kilobytes.
    public static let maximumFileSize = 1 << 20

    private var values: [String: (value: Any, source: Source)] = [:]
    private var asked: Set<String> = []

    /// Reads `path` (if given) and the environment variables starting with
    /// `environmentPrefix` + `_`.
    public init(path: String?, environment: [String: String], environmentPrefix: String) throws(ConfigurationError) {
        let prefix = environmentPrefix + "_"
        overrideNames = environment.filter { $0.key.hasPrefix(prefix) }
        self.environmentPrefix = environmentPrefix
        if let path {
            try load(path: path)
        }
    }

    private var overrideNames: [String: String]
    private let environmentPrefix: String

    private func load(path: String) throws(ConfigurationError) {
        let text: String
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            let data = try handle.read(upToCount: Self.maximumFileSize + 1) ?? Data()
            guard data.count <= Self.maximumFileSize else {
                throw ConfigurationError(key: "", "\(path) is larger than \(Self.maximumFileSize) bytes; is it the right file?")
            }
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw ConfigurationError(key: "", "\(path) is not UTF-8 text")
            }
            text = decoded
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(key: "", "cannot read the configuration file \(path): \((error as NSError).localizedDescription)")
        }
        try load(text: text, source: path)
    }

    /// A configuration given as YAML text (`source` names it in messages).
    public convenience init(yaml: String, source: String, environment: [String: String], environmentPrefix: String) throws(ConfigurationError) {
        try self.init(path: nil, environment: environment, environmentPrefix: environmentPrefix)
        guard yaml.utf8.count <= Self.maximumFileSize else {
            throw ConfigurationError(key: "", "\(source) is larger than \(Self.maximumFileSize) bytes; is it the right file?")
        }
        try load(text: yaml, source: source)
    }

    private func load(text: String, source path: String) throws(ConfigurationError) {
        guard let root = try ConfigurationYAML.values(text, source: path) else { return } // an empty file: every default
        guard let sections = root as? [String: Any] else {
            throw ConfigurationError(key: "", "\(path) must be a mapping of sections (server:, storage:, …)")
        }
        for (section, body) in sections {
            if body is NSNull { continue }
            guard let keys = body as? [String: Any] else {
                throw ConfigurationError(key: section, "must be a mapping of keys, not a single value (in \(path))")
            }
            for (key, value) in keys where !(value is NSNull) {
                // One level of grouping below a section (cards.fees.first); a
                // key holding a list stays one value.
                if let group = value as? [String: Any] {
                    for (name, inner) in group where !(inner is NSNull) { values["\(section).\(key).\(name)"] = (inner, .file(path)) }
                } else {
                    values["\(section).\(key)"] = (value, .file(path))
                }
            }
        }
    }

    /// The environment variable that overrides `key`.
    public func environmentName(for key: String) -> String {
        environmentPrefix + "_" + key.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
    }

    private func raw(_ key: String) -> (value: Any, source: Source)? {
        asked.insert(key)
        let name = environmentName(for: key)
        if let value = overrideNames[name] { return (value, .environment(name)) }
        return values[key]
    }

    /// Whether `key` is set by its environment variable (which overrides
    /// the file): for values that may be written in the environment but
    /// never in a file, such as a database URL with its password.
    public func isFromEnvironment(_ key: String) -> Bool {
        overrideNames[environmentName(for: key)] != nil
    }

    /// A string, or `defaultValue` when the key is absent.
    public func string(_ key: String, default defaultValue: String) throws(ConfigurationError) -> String {
        try optionalString(key) ?? defaultValue
    }

    /// A string, or nil when the key is absent.
    public func optionalString(_ key: String) throws(ConfigurationError) -> String? {
        guard let (value, source) = raw(key) else { return nil }
        switch value {
        case let text as String: return text
        case let number as Int: return String(number)
        default: throw ConfigurationError(key: key, "expected text, got \(describe(value)) (\(source))")
        }
    }

    /// An integer in `range`.
    public func integer(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let (value, source) = raw(key) else { return defaultValue }
        let number: Int?
        switch value {
        case let int as Int: number = int
        case let text as String: number = Int(text.trimmingCharacters(in: .whitespaces))
        default: number = nil
        }
        guard let number else {
            throw ConfigurationError(key: key, "expected a whole number, got \(describe(value)) (\(source))")
        }
        guard range.contains(number) else {
            throw ConfigurationError(key: key, "\(number) is out of range; use \(range.lowerBound)…\(range.upperBound) (\(source))")
        }
        return number
    }

    /// A duration in seconds: a number of seconds, or text such as `90s`,
    /// `5m`, `12h`, `30d`.
    public func seconds(_ key: String, default defaultValue: Int64, in range: ClosedRange<Int64>) throws(ConfigurationError) -> Int64 {
        guard let (value, source) = raw(key) else { return defaultValue }
        let parsed: Int64?
        switch value {
        case let int as Int: parsed = Int64(int)
        case let text as String: parsed = Self.parseDuration(text)
        default: parsed = nil
        }
        guard let parsed else {
            throw ConfigurationError(key: key, "expected a duration such as 300, 90s, 5m, 12h or 30d, got \(describe(value)) (\(source))")
        }
        guard range.contains(parsed) else {
            throw ConfigurationError(key: key, "\(parsed) s is out of range; use \(range.lowerBound)…\(range.upperBound) s (\(source))")
        }
        return parsed
    }

    /// `true`/`false` (also `yes`/`no`, `on`/`off`, `1`/`0` from the environment).
    public func bool(_ key: String, default defaultValue: Bool) throws(ConfigurationError) -> Bool {
        guard let (value, source) = raw(key) else { return defaultValue }
        if let flag = value as? Bool { return flag }
        if let text = value as? String {
            switch text.lowercased() {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            default: break
            }
        }
        throw ConfigurationError(key: key, "expected true or false, got \(describe(value)) (\(source))")
    }

    /// One of `choices`.
    public func choice(_ key: String, default defaultValue: String, from choices: [String]) throws(ConfigurationError) -> String {
        let value = try string(key, default: defaultValue)
        guard choices.contains(value) else {
            throw ConfigurationError(key: key, "\"\(value)\" is not one of \(choices.joined(separator: ", "))")
        }
        return value
    }

    /// A list of strings (YAML sequence, or comma-separated from the environment).
    public func strings(_ key: String, default defaultValue: [String]) throws(ConfigurationError) -> [String] {
        guard let (value, source) = raw(key) else { return defaultValue }
        if let list = value as? [Any] {
            return try list.map { item throws(ConfigurationError) in
                guard let text = item as? String else {
                    throw ConfigurationError(key: key, "every entry must be text, got \(describe(item)) (\(source))")
                }
                return text
            }
        }
        if let text = value as? String {
            return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        throw ConfigurationError(key: key, "expected a list, got \(describe(value)) (\(source))")
    }

    /// Refuses keys in the file that no getter asked for (typos, keys from
    /// another program's file). Call after reading everything.
    public func finish() throws(ConfigurationError) {
        let unknown = values.keys.filter { !asked.contains($0) }.sorted()
        if let first = unknown.first {
            throw ConfigurationError(key: first, "unknown key (\(values[first]!.source)); see the documented keys in Config/")
        }
    }

    /// `300`, `90s`, `5m`, `12h`, `30d` → seconds.
    public static func parseDuration(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let last = trimmed.last else { return nil }
        let unit: Int64
        var digits = trimmed
        switch last {
        case "s": unit = 1; digits.removeLast()
        case "m": unit = 60; digits.removeLast()
        case "h": unit = 3_600; digits.removeLast()
        case "d": unit = 86_400; digits.removeLast()
        default: unit = 1
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let number = Int64(digits), number >= 0 else { return nil }
        let (product, overflow) = number.multipliedReportingOverflow(by: unit)
        return overflow ? nil : product
    }

    private func describe(_ value: Any) -> String {
        switch value {
        case let text as String: "\"\(text)\""
        case is [Any]: "a list"
        case is [String: Any]: "a mapping"
        default: "\(value)"
        }
    }
}
