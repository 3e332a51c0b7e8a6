/// How new digital card numbers are made (docs/cards.md "Card numbers"):
/// a fixed prefix, ten digits drawn from a cryptographically secure
/// generator, and a Luhn check digit that catches a mistyped digit or two
/// swapped neighbours when staff read a number out. The digits carry no
/// sequence, date or student ID, so one card's number says nothing of the
/// next one's; with 10¹⁰ possible numbers a guess hits one of 100,000 cards
/// once in 100,000 tries, and a guessed number alone opens nothing.
public struct CardNumberScheme: Sendable, Equatable {
    /// Upper-case letters and digits, 0–8 characters (`D` by default).
    public let prefix: String
    public static let randomDigits = 10

    /// The default scheme: prefix `D`.
    public static let standard = CardNumberScheme(known: "D")

    private init(known prefix: String) { self.prefix = prefix }

    public init(prefix: String) throws(AccountRulesError) {
        guard prefix.utf8.count <= 8, prefix.utf8.allSatisfy({ (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) }) else {
            throw AccountRulesError(.cardNumberInvalid, "a card number prefix is 0–8 upper-case letters or digits")
        }
        self.prefix = prefix
    }

    /// A fresh number: the caller retries on the (rare) clash with a stored one.
    public func generate(using generator: inout some RandomNumberGenerator) -> String {
        let digits = (0..<Self.randomDigits).map { _ in UInt8.random(in: 0...9, using: &generator) }
        return prefix + digits.map(String.init).joined() + String(Self.luhnCheckDigit(digits))
    }

    /// Whether `number` has this scheme's form and a correct check digit.
    public func isWellFormed(_ number: String) -> Bool {
        guard number.hasPrefix(prefix) else { return false }
        let digits = number.utf8.dropFirst(prefix.utf8.count)
        guard digits.count == Self.randomDigits + 1, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return false }
        let values = digits.map { $0 - 0x30 }
        return Self.luhnCheckDigit(Array(values.dropLast())) == values.last
    }

    /// The digit that makes the Luhn sum of `digits` + it a multiple of ten.
    static func luhnCheckDigit(_ digits: [UInt8]) -> UInt8 {
        var sum = 0
        // Doubling starts at the digit next to the check digit, from the right.
        for (offset, digit) in digits.reversed().enumerated() {
            var value = Int(digit)
            if offset % 2 == 0 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return UInt8((10 - sum % 10) % 10)
    }
}
