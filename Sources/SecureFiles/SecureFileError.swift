#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What went wrong reading or writing a file that matters.
public struct SecureFileError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// The file exists and the caller asked not to replace it.
        public static let alreadyExists = Code("alreadyExists")
        /// The file does not exist.
        public static let notFound = Code("notFound")
        /// The file is larger than the caller's limit.
        public static let tooLarge = Code("tooLarge")
        /// The operating system refused (permissions, disk full, …).
        public static let systemError = Code("systemError")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    static func system(_ action: String, _ path: String, errno number: Int32 = errno) -> SecureFileError {
        let reason = String(cString: strerror(number))
        switch number {
        case ENOENT: return SecureFileError(.notFound, "\(path) does not exist")
        case EEXIST: return SecureFileError(.alreadyExists, "\(path) already exists")
        default: return SecureFileError(.systemError, "cannot \(action) \(path): \(reason)")
        }
    }

    public var description: String { message }
}

extension SecureFileError: Equatable {
    public static func == (lhs: SecureFileError, rhs: SecureFileError) -> Bool { lhs.code == rhs.code }
}
