/// An e-mail address the centre will send to, checked once for every way
/// one comes in (the application form, the registrar's import): a
/// dot-atom local part and a domain of letters, digits and hyphens with at
/// least two labels (RFC 5321 §4.1.2 and RFC 1035 §2.3.1, without quoted
/// local parts, comments or address literals, which relays refuse or
/// mangle: review 2, §C found `a,"x"@evil.example` accepted by the form
/// and refused by the relay, so the applicant never got the status link).
/// Kept as written; compared case-insensitively elsewhere.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    public init(_ input: String) throws(AccountRulesError) {
        let text = input.trimmingSpaces()
        guard text.utf8.count <= 254 else { throw Self.invalid }
        let parts = text.utf8.split(separator: UInt8(ascii: "@"), omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw Self.invalid }
        let local = parts[0], domain = parts[1]
        // Local part: atoms of atext joined by single dots.
        guard (1...64).contains(local.count), local.first != UInt8(ascii: "."), local.last != UInt8(ascii: "."),
              !local.indices.dropLast().contains(where: { local[$0] == UInt8(ascii: ".") && local[local.index(after: $0)] == UInt8(ascii: ".") }),
              local.allSatisfy({ Self.isAtext($0) || $0 == UInt8(ascii: ".") }) else { throw Self.invalid }
        // Domain: two or more LDH labels of 1–63, no hyphen at either end.
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ label in
            (1...63).contains(label.count) && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
                && label.allSatisfy { Self.isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }
        }) else { throw Self.invalid }
        self.text = text
    }

    public var description: String { text }

    static let invalid = AccountRulesError(.emailInvalid, "an e-mail address is like name@example.org: letters, digits and . _ + - before the @, a domain after it")

    static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    /// RFC 5322 atext.
    static func isAtext(_ byte: UInt8) -> Bool {
        isLetterOrDigit(byte) || Array("!#$%&'*+-/=?^_`{|}~".utf8).contains(byte)
    }
}

/// A person's name as typed (Chinese or English): one line, no control
/// characters, and no format characters (Unicode category Cf: the bidi
/// overrides and isolates, zero-width joiners, soft hyphens), which can
/// make a name read differently on the staff's screen and in the card
/// token from what it is (review 2, §C: U+202E was stored and shown).
public enum PersonName {
    public static func isAcceptable(_ text: String) -> Bool {
        !text.unicodeScalars.contains { scalar in
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned: true
            default: false
            }
        }
    }
}
