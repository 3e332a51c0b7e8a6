import AccountRules
import Foundation

/// A partner merchant and its alumni offer (alumni-api.md §8). Built only
/// through ``init(id:nameChinese:nameEnglish:category:address:phone:url:offerChinese:offerEnglish:validFrom:validUntil:)``,
/// which checks every field, so a stored merchant is always well formed.
public struct Merchant: Sendable, Equatable {
    public let id: String
    public let nameChinese: String
    public let nameEnglish: String
    public let category: String
    public let address: String
    public let phone: String?
    public let url: String?
    public let offerChinese: String
    public let offerEnglish: String
    public let validFrom: CalendarDay
    public let validUntil: CalendarDay

    /// A field that does not pass, named as the API names it.
    public struct Problem: Error, Sendable, Equatable {
        public let field: String
        public let message: String

        package init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public init(id: String, nameChinese: String, nameEnglish: String, category: String, address: String, phone: String?, url: String?,
                offerChinese: String, offerEnglish: String, validFrom: CalendarDay, validUntil: CalendarDay) throws(Problem) {
        guard Self.isIdentifier(id, maximum: 64) else {
            throw Problem(field: "merchant_id", message: "merchant_id is 1–64 characters a–z, 0–9 or '-', starting with a letter or digit")
        }
        guard Self.isIdentifier(category, maximum: 32), category.first?.isLetter == true else {
            throw Problem(field: "category", message: "category is 1–32 characters a–z, 0–9 or '-', starting with a letter (cafe, books, food…)")
        }
        self.id = id
        self.category = category
        self.nameChinese = try Self.text(nameChinese, field: "name.zh-Hant", maximum: 120)
        self.nameEnglish = try Self.text(nameEnglish, field: "name.en", maximum: 120)
        self.address = try Self.text(address, field: "address", maximum: 200)
        self.offerChinese = try Self.text(offerChinese, field: "offer.zh-Hant", maximum: 500)
        self.offerEnglish = try Self.text(offerEnglish, field: "offer.en", maximum: 500)
        if let phone {
            guard (1...32).contains(phone.utf8.count), phone.utf8.allSatisfy({ (0x30...0x39).contains($0) || " +-()#".utf8.contains($0) }),
                  phone.utf8.contains(where: { (0x30...0x39).contains($0) }) else {
                throw Problem(field: "phone", message: "phone is up to 32 digits, spaces and + - ( ) #, such as +886 2 3366 1234")
            }
        }
        self.phone = phone
        if let url {
            guard url.utf8.count <= 300, let parsed = URLComponents(string: url), ["https", "http"].contains(parsed.scheme?.lowercased() ?? ""),
                  parsed.host?.isEmpty == false, !url.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == " " }) else {
                throw Problem(field: "url", message: "url is an http or https address of at most 300 bytes, such as https://example.com/")
            }
        }
        self.url = url
        guard validFrom <= validUntil else {
            throw Problem(field: "valid_until", message: "valid_until (\(validUntil)) is before valid_from (\(validFrom))")
        }
        self.validFrom = validFrom
        self.validUntil = validUntil
    }

    /// A merchant read back from the database, where only checked ones are
    /// written: not checked again (listing 200 offers would otherwise spend
    /// most of its time re-validating URLs).
    package init(stored id: String, nameChinese: String, nameEnglish: String, category: String, address: String, phone: String?, url: String?,
         offerChinese: String, offerEnglish: String, validFrom: CalendarDay, validUntil: CalendarDay) {
        self.id = id
        self.nameChinese = nameChinese
        self.nameEnglish = nameEnglish
        self.category = category
        self.address = address
        self.phone = phone
        self.url = url
        self.offerChinese = offerChinese
        self.offerEnglish = offerEnglish
        self.validFrom = validFrom
        self.validUntil = validUntil
    }

    /// Whether the offer is shown on `day` (both ends included).
    public func isListed(on day: CalendarDay) -> Bool { validFrom <= day && day <= validUntil }

    /// What a search looks through, folded once (see ``MerchantSearch``).
    package var searchText: String {
        MerchantSearch.fold([nameChinese, nameEnglish, offerChinese, offerEnglish, address, category].joined(separator: "\n"))
    }

    private static func isIdentifier(_ text: String, maximum: Int) -> Bool {
        (1...maximum).contains(text.utf8.count) && text.utf8.first.map { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) } == true
            && text.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }

    private static func text(_ text: String, field: String, maximum: Int) throws(Problem) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...maximum).contains(trimmed.utf8.count), !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw Problem(field: field, message: "\(field) is required: 1–\(maximum) bytes of text on one line")
        }
        return trimmed
    }
}

/// Text search over the directory. Chinese queries are often two
/// characters (咖啡, 書店), which a trigram index cannot find; the directory
/// is small (a few thousand merchants at most), so a search is a substring
/// scan over text folded once per merchant: compatibility-normalised
/// (full-width Ｃａｆｅ → Cafe), accents removed (Café → Cafe), lower-cased,
/// whitespace collapsed. The same
/// folding is applied to the query (docs/performance.md has the figures).
public enum MerchantSearch {
    /// The longest query accepted, in characters.
    public static let maximumQueryLength = 64

    public static func fold(_ text: String) -> String {
        // Compatibility forms first (full-width letters), then accents off
        // (Café finds Cafe and the other way), then lower case.
        let decomposed = text.precomposedStringWithCompatibilityMapping.decomposedStringWithCanonicalMapping
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: decomposed.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark })
        let folded = String(scalars).lowercased().precomposedStringWithCanonicalMapping
        return folded.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
