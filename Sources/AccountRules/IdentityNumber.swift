/// A Taiwanese identity number: a national ID (身分證統一編號) or a resident
/// certificate number (居留證統一證號) in its new (2021) or old form, as
/// alumni-api.md §1 describes. Normalised (spaces trimmed, letters
/// upper-cased) and checksum-validated at construction.
///
/// It is personal data and the first-login password: `description` is the
/// masked form, so string interpolation into a log line cannot leak it.
public struct IdentityNumber: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// `[A-Z][12][0-9]{8}`
        case nationalID = "national_id"
        /// `[A-Z][89][0-9]{8}`, issued since 2021.
        case residentCertificate = "resident_certificate"
        /// `[A-Z][A-D][0-9]{8}`, the form before 2021.
        case oldResidentCertificate = "old_resident_certificate"
    }

    /// The normalised ten characters. Handle with care: never log it.
    public let value: String
    public let kind: Kind

    /// Validates `text` after trimming spaces and upper-casing. The error
    /// never repeats the input.
    public init(_ text: String) throws(AccountRulesError) {
        let trimmed = text.trimmingSpaces()
        guard trimmed.utf8.count == 10 else {
            throw AccountRulesError(.nationalIDInvalid, "an identity number has 10 characters: a letter, a digit or letter, and 8 digits")
        }
        let bytes = Array(trimmed.utf8).map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }
        guard let first = Self.letterCode(bytes[0]) else {
            throw AccountRulesError(.nationalIDInvalid, "an identity number starts with a letter A–Z")
        }
        let second: Int
        switch bytes[1] {
        case UInt8(ascii: "1"), UInt8(ascii: "2"):
            kind = .nationalID
            second = Int(bytes[1] - 0x30)
        case UInt8(ascii: "8"), UInt8(ascii: "9"):
            kind = .residentCertificate
            second = Int(bytes[1] - 0x30)
        case UInt8(ascii: "A")...UInt8(ascii: "D"):
            kind = .oldResidentCertificate
            // The units digit of the letter's code: A→0, B→1, C→2, D→3.
            second = Self.letterCode(bytes[1])! % 10
        default:
            throw AccountRulesError(.nationalIDInvalid, "the second character of an identity number is 1 or 2 (national ID), 8 or 9, or A–D (resident certificate)")
        }
        var digits = [second]
        for byte in bytes[2...] {
            guard byte >= 0x30 && byte <= 0x39 else {
                throw AccountRulesError(.nationalIDInvalid, "the last 8 characters of an identity number are digits")
            }
            digits.append(Int(byte - 0x30))
        }
        // a·1 + b·9 + d1·8 + … + d8·1 + c·1 ≡ 0 (mod 10); digits holds d1…d8 then c.
        var sum = (first / 10) * 1 + (first % 10) * 9
        for (index, digit) in digits.prefix(8).enumerated() { sum += digit * (8 - index) }
        sum += digits[8]
        guard sum % 10 == 0 else {
            throw AccountRulesError(.nationalIDInvalid, "this identity number's check digit does not match; check it for a mistyped digit")
        }
        value = String(decoding: bytes, as: UTF8.self)
    }

    /// The form staff see: the first two and last two characters (`A1******89`).
    public var masked: String {
        let characters = Array(value)
        return String(characters.prefix(2)) + String(repeating: "*", count: 6) + String(characters.suffix(2))
    }

    public var description: String { masked }

    /// The two-digit code of a first letter (alumni-api.md §1): not in
    /// alphabetical order for I, O, W–Z, which were added later.
    static func letterCode(_ byte: UInt8) -> Int? {
        guard byte >= 0x41 && byte <= 0x5A else { return nil }
        return letterCodes[Int(byte - 0x41)]
    }

    private static let letterCodes = [
        10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, // A–M
        22, 35, 23, 24, 25, 26, 27, 28, 29, 32, 30, 31, 33, // N–Z
    ]
}

extension String {
    /// Without leading and trailing spaces and tabs (ASCII and ideographic).
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\u{3000}" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
