import Foundation
import HTTPTypes
import Hummingbird

/// An error a daemon answers with: an HTTP status, a stable machine code
/// and a sentence for people, sent as
/// `{"error": {"code": "...", "message": "..."}}`.
///
/// Codes are part of the API (docs/openapi.yaml); messages may change.
public struct APIError: HTTPResponseError, Sendable, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    /// Extra headers, e.g. `Retry-After` or `WWW-Authenticate`.
    public var headers: HTTPFields
    /// The one input field at fault, when there is one.
    public var field: String?
    /// Further members of the error object that a refusal carries (e.g.
    /// `valid_through` with `physical_card_valid`); never personal data.
    public var extra: [String: String] = [:]

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, headers: HTTPFields = [:], field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.field = field
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Self.jsonResponse(status: status, code: code, message: message, headers: headers, field: field, extra: extra)
    }

    /// The JSON error body every daemon error uses.
    public static func jsonResponse(status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:], field: String? = nil,
                                    extra: [String: String] = [:]) -> Response {
        struct Body: Encodable {
            struct Detail: Encodable {
                let code: String, message: String, field: String?, extra: [String: String]
                struct Key: CodingKey {
                    let stringValue: String
                    init(stringValue: String) { self.stringValue = stringValue }
                    var intValue: Int? { nil }
                    init?(intValue: Int) { nil }
                }
                func encode(to encoder: any Encoder) throws {
                    var container = encoder.container(keyedBy: Key.self)
                    try container.encode(code, forKey: Key(stringValue: "code"))
                    try container.encode(message, forKey: Key(stringValue: "message"))
                    try container.encodeIfPresent(field, forKey: Key(stringValue: "field"))
                    for (name, value) in extra where !["code", "message", "field"].contains(name) {
                        try container.encode(value, forKey: Key(stringValue: name))
                    }
                }
            }
            let error: Detail
        }
        // Sorted keys: equal errors are equal bytes (a wrong password and an
        // unknown account must not be told apart by the answer).
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Body(error: .init(code: code, message: message, field: field, extra: extra)))) ?? Data()
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // Common answers.
    public static func badRequest(_ code: String, _ message: String) -> APIError { APIError(.badRequest, code: code, message) }
    public static func notFound(_ message: String) -> APIError { APIError(.notFound, code: "not_found", message) }
    public static func unauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, code: "unauthorized", message, headers: [.wwwAuthenticate: "Bearer"])
    }
    public static func forbidden(_ message: String) -> APIError { APIError(.forbidden, code: "forbidden", message) }
    /// 422 with the field at fault.
    public static func invalid(_ code: String, field: String, _ message: String) -> APIError {
        APIError(.unprocessableContent, code: code, message, field: field)
    }
}
