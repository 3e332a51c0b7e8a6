import Foundation

/// The bundled list of common passwords (Resources/README.md names its
/// source and licence), matched ignoring case.
public struct CommonPasswords: Sendable {
    private let entries: Set<String>

    public init(_ passwords: some Sequence<String>) {
        entries = Set(passwords.map { $0.lowercased() })
    }

    public var count: Int { entries.count }

    public func contains(_ password: String) -> Bool {
        entries.contains(password.lowercased())
    }

    /// The bundled list, read once per process.
    public static let bundled: CommonPasswords = {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt"),
              let data = try? Data(contentsOf: url) else {
            preconditionFailure("the bundled common-passwords.txt is missing from the AccountRules resources")
        }
        return CommonPasswords(String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init))
    }()
}
