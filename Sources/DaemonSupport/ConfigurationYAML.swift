import Foundation
import Yams

/// A configuration file's YAML as the plain values `ConfigurationReader`
/// reads: `String`, `Int`, `Bool`, `NSNull`, `[Any]` and `[String: Any]`.
///
/// Yams parses; its constructor of Swift values is not used, because
/// fuzzing found it traps on input (a mapping key that is a list,
/// `? [server]`; a sexagesimal integer that overflows,
/// `-222222222222222222:2`) and builds every use of an alias afresh, so
/// nine lines of nested aliases stand for 387 million values. Here a key
/// is a plain name (the parser refuses one given twice); an integer is
/// decimal and fits, anything else stays the text it was (so a getter
/// names the key and the text when it wants a number); and a file stands
/// for at most ``maximumValues``. Keys that are not names are refused
/// before Yams sees them (``ConfigurationYAMLKeys``).
enum ConfigurationYAML {
    /// The most values a file may hold, counting each use of an alias as
    /// what it stands for; a configuration has a few dozen.
    static let maximumValues = 10_000

    /// The file's values, nil when it holds none (an empty file: every default).
    static func values(_ text: String, source path: String) throws(ConfigurationError) -> Any? {
        try ConfigurationYAMLKeys.check(text, source: path)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(key: "", "\(path) is not valid YAML: \(error)")
        }
        guard let root else { return nil }
        var count = 0
        return try value(of: root, count: &count, path: path)
    }

    /// Recursive: the parser already stops at 1,000 levels of nesting.
    private static func value(of node: Node, count: inout Int, path: String) throws(ConfigurationError) -> Any {
        count += 1
        guard count <= maximumValues else {
            throw ConfigurationError(key: "", "\(path) holds more than \(maximumValues) values (each use of an alias counted); is it the right file?")
        }
        switch node {
        case .scalar(let scalar):
            return self.scalar(scalar.string, tag: Tag.Name(rawValue: node.tag.rawValue))
        case .sequence(let sequence):
            var items: [Any] = []
            for item in sequence { items.append(try value(of: item, count: &count, path: path)) }
            return items
        case .mapping(let mapping):
            var result: [String: Any] = [:]
            for (key, item) in mapping {
                let place = key.mark.map { " line \($0.line)" } ?? ""
                guard case .scalar(let name) = key else {
                    throw ConfigurationError(key: "", "\(path)\(place): a key is a list or a mapping; keys are plain names such as port")
                }
                guard key.tag.rawValue != Tag.Name.merge.rawValue else {
                    throw ConfigurationError(key: "", "\(path)\(place): merge keys (<<) are not read; write the keys out")
                }
                result[name.string] = try value(of: item, count: &count, path: path)
            }
            return result
        case .alias:
            throw ConfigurationError(key: "", "\(path) uses an alias the YAML parser left unresolved; write the value out instead of *alias")
        }
    }

    /// YAML 1.1's implicit types, as far as a configuration uses them.
    private static func scalar(_ text: String, tag: Tag.Name) -> Any {
        switch tag {
        case .null:
            return NSNull()
        case .bool:
            switch text.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: return text
            }
        case .int:
            // Decimal only (1_000 allowed); hex, octal, sexagesimal or too
            // large stay text, which an integer getter refuses by name.
            return Int(text.replacingOccurrences(of: "_", with: "")) ?? text
        default:
            return text
        }
    }
}
