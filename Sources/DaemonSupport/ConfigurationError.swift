/// A configuration file or override that cannot be used. Names the key, the
/// source it came from and what is wrong, so start-up can stop with one
/// clear line.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The dotted key, e.g. `server.port`; empty for the file as a whole.
    public let key: String
    public let problem: String

    public init(key: String, _ problem: String) {
        self.key = key
        self.problem = problem
    }

    public var description: String { key.isEmpty ? problem : "\(key): \(problem)" }
}
