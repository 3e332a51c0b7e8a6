import Clocks
import Crypto
import Foundation

/// The staff console's second factor: RFC 6238 TOTP (HMAC-SHA-1, six
/// digits, 30-second steps, as authenticator apps expect), computed here
/// with swift-crypto's HMAC. The key is the secret text's UTF-8 bytes; the
/// enrolment URI carries them in base32 (RFC 4648, unpadded), as apps
/// read it. A code of the current step or one step either side is
/// accepted (clock drift), and only for a step newer than the last one
/// taken, so no code is accepted twice. No HTTP, no SQL: the caller takes
/// the step in its repository (``StaffRepository``).
package struct StaffSecondFactor: Sendable {
    package static let timeStep: Int64 = 30
    package static let drift: Int64 = 1
    static let digits = 6

    package let secret: String

    package init(secret: String) {
        self.secret = secret
    }

    /// The code for the time step `step` (RFC 4226 §5.3 on the step counter).
    package func code(step: Int64) -> Int {
        let counter = withUnsafeBytes(of: UInt64(bitPattern: step).bigEndian) { Array($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: counter, using: SymmetricKey(data: Array(secret.utf8))))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let value = (Int(mac[offset] & 0x7F) << 24) | (Int(mac[offset + 1]) << 16) | (Int(mac[offset + 2]) << 8) | Int(mac[offset + 3])
        return value % 1_000_000
    }

    /// The time step a code belongs to, if it is right for `now` (± drift)
    /// and newer than `lastStep`.
    package func step(for code: String, now: Int64, lastStep: Int64) -> Int64? {
        let digits = code.filter { !$0.isWhitespace }
        guard digits.count == Self.digits, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits) else { return nil }
        let current = now / Self.timeStep
        for step in (current - Self.drift)...(current + Self.drift) where step > lastStep {
            if self.code(step: step) == value { return step }
        }
        return nil
    }

    /// The `otpauth://` URI an authenticator app reads (from the enrolment QR code).
    package func enrolmentURI(name: String, issuer: String) -> String {
        let label = "\(issuer):\(name)".addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? name
        let issuerParameter = issuer.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? issuer
        return "otpauth://totp/\(label)?secret=\(Self.base32(Array(secret.utf8)))&issuer=\(issuerParameter)"
    }

    /// RFC 3986's unreserved characters: everything else is percent-encoded.
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// RFC 4648 base32, without padding (authenticator apps read it so).
    package static func base32(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = "", buffer = 0, bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
            buffer &= (1 << bits) - 1
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return out
    }
}
