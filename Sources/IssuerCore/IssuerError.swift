/// A refusal by the centre's rules, said without HTTP: what kind of
/// refusal it is, a stable machine code, a sentence for people, and where
/// one applies the input at fault, when to try again and further members.
///
/// Every domain service throws this for anything the caller may be told;
/// the daemon maps it to a status and a JSON body in one place
/// (`IssuerError+HTTP.swift` in IssuerService). Codes are part of the API
/// (docs/openapi.yaml); messages may change and never carry personal data
/// beyond what the caller sent or may see.
public struct IssuerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, in the terms of the action rather than of HTTP.
    public enum Kind: String, Sendable, CaseIterable {
        /// The request's shape is wrong: a field missing, unknown or of the wrong form.
        case malformed
        /// A value is well-formed but breaks a rule (a weak password, a date in the future).
        case invalidValue
        /// Who is asking is not known: no session, a wrong password or code.
        case unauthenticated
        /// Who is asking is known and may not do this.
        case forbidden
        /// What was asked for does not exist (or is not the caller's to see).
        case notFound
        /// The state of things refuses it: already decided, still pending.
        case conflict
        /// An upload or a body beyond its limit.
        case tooLarge
        /// A file or body of a type this action does not take.
        case unsupportedType
        /// The caller took too long to send what it started.
        case timedOut
        /// Too many attempts or requests; try again after ``retryAfter``.
        case tooManyAttempts
        /// The moment refuses it (mail down, slots full); nothing was changed.
        case unavailable
    }

    public let kind: Kind
    public let code: String
    public let message: String
    /// The one input at fault, by its API name.
    public var field: String?
    /// Seconds until a retry may succeed.
    public var retryAfter: Int64?
    /// Further members of the answer (e.g. `valid_through`); never personal data.
    public var extra: [String: String]

    public init(_ kind: Kind, code: String, _ message: String, field: String? = nil, retryAfter: Int64? = nil, extra: [String: String] = [:]) {
        self.kind = kind
        self.code = code
        self.message = message
        self.field = field
        self.retryAfter = retryAfter
        self.extra = extra
    }

    public var description: String { "\(kind.rawValue) \(code): \(message)" }

    /// A malformed request (`invalid_value`, `missing_field`, …), optionally naming its field.
    public static func malformed(_ code: String, _ message: String, field: String? = nil) -> IssuerError {
        IssuerError(.malformed, code: code, message, field: field)
    }

    /// A value that breaks a rule, naming its field.
    public static func invalid(_ code: String, field: String, _ message: String) -> IssuerError {
        IssuerError(.invalidValue, code: code, message, field: field)
    }

    /// No one is signed in, or the sign-in has ended: code `unauthorized`.
    public static func signInRequired(_ message: String) -> IssuerError {
        IssuerError(.unauthenticated, code: "unauthorized", message)
    }

    /// Signed in without the right: code `forbidden`.
    public static func forbidden(_ message: String) -> IssuerError { IssuerError(.forbidden, code: "forbidden", message) }

    /// Nothing there: code `not_found`.
    public static func notFound(_ message: String) -> IssuerError { IssuerError(.notFound, code: "not_found", message) }
}
