import Foundation
import Hummingbird
import NIOCore

/// Reading request bodies: bounded, and strict about JSON, because a
/// misspelt field that is silently ignored is a bug the client never sees.
public enum JSONBody {
    /// Reads at most `limit` bytes of the body (413 beyond).
    public static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, code: "body_too_large", "the request body is larger than \(limit) bytes")
        }
    }

    /// Decodes a JSON object into `T`, refusing fields outside `allowedKeys`,
    /// with a 400 that names the field or the type problem.
    public static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer, allowedKeys: Set<String>) throws -> T {
        let data = Data(buffer.readableBytesView)
        guard !data.isEmpty else { throw APIError.badRequest("invalid_json", "the request body is empty; send a JSON object") }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw APIError.badRequest("invalid_json", "the request body is not valid JSON")
        }
        guard let fields = object as? [String: Any] else {
            throw APIError.badRequest("invalid_json", "the request body must be a JSON object")
        }
        if let unknown = fields.keys.filter({ !allowedKeys.contains($0) }).sorted().first {
            throw APIError.badRequest("unknown_field", "unknown field \"\(unknown.prefix(64))\"; allowed: \(allowedKeys.sorted().joined(separator: ", "))")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw APIError.badRequest("missing_field", "the field \"\(key.stringValue)\" is required")
        } catch let DecodingError.typeMismatch(expected, context) {
            throw APIError.badRequest("wrong_type", "the field \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" must be \(describe(expected))")
        } catch let DecodingError.valueNotFound(expected, context) {
            throw APIError.badRequest("wrong_type", "the field \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" must be \(describe(expected)), not null")
        } catch let DecodingError.dataCorrupted(context) {
            throw APIError.badRequest("invalid_value", "the field \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" is not valid: \(context.debugDescription)")
        } catch {
            throw APIError.badRequest("invalid_json", "the request body does not match the expected object")
        }
    }

    /// Encodes `value` as a JSON response.
    public static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        if fields[.cacheControl] == nil { fields[.cacheControl] = "no-store" }
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is UInt64.Type: "a whole number"
        default: "\(type)"
        }
    }
}
