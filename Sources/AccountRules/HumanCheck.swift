import Crypto
import Foundation

/// The self-hosted proof of work of alumni-api.md §2 (the ALTCHA scheme):
/// the server picks a secret number in `[0, maxnumber]`, publishes
/// `challenge = hex(SHA-256(salt ‖ decimal(number)))` with an HMAC over it,
/// and the client finds the number by trying them all. Pure: the key, the
/// time and the randomness come in.
public enum HumanCheck {
    /// What `GET /v1/challenge` answers.
    public struct Challenge: Sendable, Codable, Equatable {
        public var algorithm = "SHA-256"
        public let challenge: String
        public let salt: String
        public let maxnumber: Int
        public let signature: String
    }

    /// What a request carries, base64 JSON in `altcha`.
    public struct Solution: Sendable, Codable, Equatable {
        public let algorithm: String
        public let challenge: String
        public let number: Int
        public let salt: String
        public let signature: String

        public init(algorithm: String = "SHA-256", challenge: String, number: Int, salt: String, signature: String) {
            self.algorithm = algorithm
            self.challenge = challenge
            self.number = number
            self.salt = salt
            self.signature = signature
        }
    }

    /// A verified solution: what to remember so it is not accepted again.
    public struct Accepted: Sendable, Equatable {
        /// The challenge's signature bytes, unique per challenge.
        public let signature: [UInt8]
        public let expiresAt: Int64
    }

    /// The longest `altcha` value read (a solution is about 300 bytes).
    public static let maximumEncodedLength = 2_048

    /// Makes a challenge valid until `now + lifetime`. `number` and
    /// `saltBytes` come from the caller's random source.
    public static func makeChallenge(key: SymmetricKey, maxNumber: Int, number: Int, saltBytes: [UInt8], now: Int64, lifetime: Int64) -> Challenge {
        precondition((0...maxNumber).contains(number), "the secret number must lie in [0, maxNumber]")
        let salt = hex(saltBytes) + "?expires=\(now + lifetime)"
        let challenge = hex(Array(SHA256.hash(data: Data((salt + String(number)).utf8))))
        let signature = hex(Array(HMAC<SHA256>.authenticationCode(for: Data(challenge.utf8), using: key)))
        return Challenge(challenge: challenge, salt: salt, maxnumber: maxNumber, signature: signature)
    }

    /// Decodes an `altcha` field value; nil when it is not base64 JSON of a solution.
    public static func decode(_ encoded: String) throws(AccountRulesError) -> Solution {
        guard encoded.utf8.count <= maximumEncodedLength, let data = Data(base64Encoded: encoded.trimmingSpaces()),
              let solution = try? JSONDecoder().decode(Solution.self, from: data) else {
            throw AccountRulesError(.humanCheckInvalid, "altcha is not the base64 JSON of a solved challenge; fetch a new one from GET /v1/challenge")
        }
        return solution
    }

    /// Checks a solution's algorithm, expiry, signature and hash; what it
    /// returns must then be spent once (the caller remembers it).
    ///
    /// The hash covers `salt ‖ number` with no delimiter, so the salt must
    /// be exactly the form this server writes (hex, `?expires=`, ten
    /// digits): a digit moved from the number into the expiry would
    /// otherwise hash the same and live ten times as long (review 2, #9).
    /// An expiry further than `lifetime` ahead is refused as well.
    public static func verify(_ solution: Solution, key: SymmetricKey, maxNumber: Int, now: Int64, lifetime: Int64) throws(AccountRulesError) -> Accepted {
        guard solution.algorithm == "SHA-256" else {
            throw AccountRulesError(.humanCheckInvalid, "the human check uses SHA-256")
        }
        guard let expires = expiry(ofSalt: solution.salt) else {
            throw AccountRulesError(.humanCheckInvalid, "the human check's salt is not one this server wrote; fetch a new challenge")
        }
        guard expires > now, expires <= now &+ max(0, lifetime) else {
            throw AccountRulesError(.humanCheckInvalid, "the human check has expired; fetch a new challenge")
        }
        guard (0...maxNumber).contains(solution.number), solution.salt.utf8.count <= 256,
              let signature = unhex(solution.signature), signature.count == 32,
              HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Data(solution.challenge.utf8), using: key) else {
            throw AccountRulesError(.humanCheckInvalid, "the human check's challenge was not issued here")
        }
        let computed = hex(Array(SHA256.hash(data: Data((solution.salt + String(solution.number)).utf8))))
        guard computed == solution.challenge.lowercased() else {
            throw AccountRulesError(.humanCheckInvalid, "the human check's number does not solve its challenge")
        }
        return Accepted(signature: signature, expiresAt: expires)
    }

    /// The expiry of a salt of exactly the server's form: 16–64 lower-case
    /// hex digits, `?expires=`, ten decimal digits. Nil for anything else.
    public static func expiry(ofSalt salt: String) -> Int64? {
        let bytes = Array(salt.utf8), marker = Array("?expires=".utf8)
        guard (16 + marker.count + 10...64 + marker.count + 10).contains(bytes.count) else { return nil }
        let hexCount = bytes.count - marker.count - 10
        guard hexCount % 2 == 0, bytes[..<hexCount].allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
              Array(bytes[hexCount..<(hexCount + marker.count)]) == marker else { return nil }
        let digits = bytes[(hexCount + marker.count)...]
        guard digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int64(String(decoding: digits, as: UTF8.self))
    }

    /// Finds the number by trying each (what a browser does; tests and the
    /// benchmark use it).
    public static func solve(_ challenge: Challenge) -> Solution? {
        for number in 0...challenge.maxnumber {
            let digest = hex(Array(SHA256.hash(data: Data((challenge.salt + String(number)).utf8))))
            if digest == challenge.challenge {
                return Solution(challenge: challenge.challenge, number: number, salt: challenge.salt, signature: challenge.signature)
            }
        }
        return nil
    }

    /// The `altcha` field value for a solution.
    public static func encode(_ solution: Solution) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(solution))?.base64EncodedString() ?? ""
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func unhex(_ text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        guard bytes.count % 2 == 0, bytes.count <= 256 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: nil
            }
        }
        var out = [UInt8]()
        var index = 0
        while index < bytes.count {
            guard let high = nibble(bytes[index]), let low = nibble(bytes[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}
