import CardToken
import Foundation

/// JWS compact serialization (RFC 7515 §7.1) with EdDSA (RFC 8037), the
/// only form AlumniCard signs or accepts.
enum CompactJWS {
    /// The largest document parsed: a key set of thousands of keys fits.
    static let maximumLength = 1 << 20

    struct Parts {
        let header: [String: Any]
        let payload: [UInt8]
        let signature: [UInt8]
        /// ASCII(BASE64URL(header) || '.' || BASE64URL(payload)), as received.
        let signingInput: [UInt8]
    }

    static func sign(payload: [UInt8], type: String, by root: RootSigningKey) -> String {
        // Members in sorted order, as the shared vectors write them.
        let header = #"{"alg":"EdDSA","kid":"\#(root.id.base64URL)","typ":"\#(type)"}"#
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(payload)
        return input + "." + Base64URL.encode(root.sign(Array(input.utf8)))
    }

    /// Splits and decodes, or says why the text is not a compact JWS.
    static func parse(_ text: String) -> Result<Parts, MalformedReason> {
        guard text.utf8.count <= maximumLength else { return .failure(.init("the document is over \(maximumLength) bytes")) }
        let pieces = text.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count == 3 else { return .failure(.init("a compact JWS has three dot-separated parts, not \(pieces.count)")) }
        guard let headerBytes = Base64URL.decode(pieces[0]), let payload = Base64URL.decode(pieces[1]),
              let signature = Base64URL.decode(pieces[2]) else {
            return .failure(.init("a part is not base64url without padding"))
        }
        guard let header = (try? JSONSerialization.jsonObject(with: Data(headerBytes))) as? [String: Any] else {
            return .failure(.init("the protected header is not a JSON object"))
        }
        let input = Array(pieces[0].utf8) + [UInt8(ascii: ".")] + Array(pieces[1].utf8)
        return .success(Parts(header: header, payload: payload, signature: signature, signingInput: input))
    }

    /// Checks the header names EdDSA, `type` and a kid, and no critical extensions.
    static func checkHeader(_ header: [String: Any], type: String) -> Result<KeyID, MalformedReason> {
        guard let alg = header["alg"] as? String, alg == "EdDSA" else {
            return .failure(.init("the header's alg is \(String(describing: header["alg"] ?? "absent")); only EdDSA is accepted"))
        }
        guard let typ = header["typ"] as? String, typ == type else {
            return .failure(.init("the header's typ is \(String(describing: header["typ"] ?? "absent")), not \(type)"))
        }
        guard header["crit"] == nil else { return .failure(.init("the header has critical extensions, which AlumniCard does not understand")) }
        guard let kid = header["kid"] as? String, let id = try? KeyID(base64URL: kid) else {
            return .failure(.init("the header's kid is missing or not 8 bytes of base64url"))
        }
        return .success(id)
    }

    struct MalformedReason: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }
}
