import CardToken
import FormEncoding
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// What both daemons' `/v1/verify` share: reading the token from a JSON
/// body (`{"token": "AC1:…"}`), a plain-text body or `?token=`, and
/// answering the verdict JSON.
public enum VerificationRequest {
    /// Tokens are at most 1,024 characters; JSON around one fits in 4 KiB.
    public static let bodyLimit = 4_096

    /// The token sent with `request`; 400 `missing_token` when there is none.
    public static func token(from request: Request) async throws -> String {
        let sent: String
        if request.method == .get {
            sent = try queryToken(request.uri.query ?? "")
        } else {
            let body = try await JSONBody.collect(request, limit: bodyLimit)
            if request.headers[.contentType]?.lowercased().hasPrefix("application/json") ?? false {
                sent = try jsonToken(body)
            } else {
                sent = String(buffer: body)
            }
        }
        let token = trimmingWhitespace(sent)
        guard !token.isEmpty else {
            throw APIError.badRequest("missing_token", "send the token as {\"token\": \"AC1:…\"}, as the plain-text body, or as ?token=")
        }
        return token
    }

    /// `?token=` read as HTML forms write it: `+` is a space (Base45 uses
    /// both, so a literal `+` must be sent as `%2B`).
    static func queryToken(_ query: String) throws -> String {
        do {
            return try FormFields(parsing: query.utf8)["token"] ?? ""
        } catch {
            throw APIError.badRequest("missing_token", "the query cannot be read (\(error)); send the token as ?token= with its characters %-escaped")
        }
    }

    /// `text` without the whitespace around it. A token is ASCII: when both
    /// ends are printable ASCII there is nothing to trim, and Foundation's
    /// trimming (a profile found it on the verify path) is left for the rest.
    static func trimmingWhitespace(_ text: String) -> String {
        let printable: ClosedRange<UInt8> = 0x21...0x7E
        if let first = text.utf8.first, let last = text.utf8.last, printable.contains(first), printable.contains(last) { return text }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `{"token": "…"}` and nothing else.
    static func jsonToken(_ body: ByteBuffer) throws -> String {
        try plainJSONToken(body) ?? parsedJSONToken(body)
    }

    /// `{"token": "…"}` and nothing else, by Foundation's JSON parser, with
    /// a 400 that says what is wrong with any other body.
    public static func parsedJSONToken(_ body: ByteBuffer) throws -> String {
        guard body.readableBytes > 0,
              let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw APIError.badRequest("invalid_json", "the request body must be a JSON object like {\"token\": \"AC1:…\"}")
        }
        if let unknown = object.keys.first(where: { $0 != "token" }) {
            throw APIError.badRequest("unknown_field", "unknown field \"\(unknown.prefix(64))\"; allowed: token")
        }
        guard let value = object["token"] else { throw APIError.badRequest("missing_field", "the field \"token\" is required") }
        guard let token = value as? String else { throw APIError.badRequest("wrong_type", "the field \"token\" must be a string") }
        return token
    }

    /// The token of the body every scanner sends, `{"token":"…"}` with JSON
    /// whitespace between the parts and a value of printable ASCII without
    /// escapes, read in one pass without building a JSON object (a profile
    /// of the verify endpoint found Foundation's parser on its path). Nil
    /// for any other body, which the full parser then reads: what this
    /// accepts is valid JSON that the parser reads as the same token.
    public static func plainJSONToken(_ body: ByteBuffer) -> String? {
        body.withUnsafeReadableBytes { bytes -> String? in
            var index = 0
            func skipWhitespace() {
                while index < bytes.count {
                    switch bytes[index] {
                    case 0x20, 0x09, 0x0A, 0x0D: index += 1
                    default: return
                    }
                }
            }
            func expect(_ expected: StaticString) -> Bool {
                skipWhitespace()
                let count = expected.utf8CodeUnitCount
                guard bytes.count - index >= count,
                      memcmp(bytes.baseAddress! + index, expected.utf8Start, count) == 0 else { return false }
                index += count
                return true
            }
            guard expect("{"), expect("\"token\""), expect(":"), expect("\"") else { return nil }
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                // A control character, an escape or non-ASCII: the full parser decides.
                guard (0x20..<0x7F).contains(bytes[index]), bytes[index] != UInt8(ascii: "\\") else { return nil }
                index += 1
            }
            let end = index
            guard expect("\""), expect("}") else { return nil }
            skipWhitespace()
            guard index == bytes.count else { return nil }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
    }

    /// The verdict as the answer: 200 whatever the verdict.
    public static func response(_ report: VerdictReport) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(bytes: report.sortedJSON())))
    }
}
