import AccountRules
import Testing

/// The digital card's rules (alumni-api.md §7) and its number scheme, as pure logic.
@Suite struct CardApplicationRulesTests {
    let rules = CardApplicationRules(validityMonths: 12, renewalWindowMonths: 1)

    func day(_ text: String) throws -> CalendarDay { try CalendarDay(parsing: text) }

    func card(_ number: String, _ form: CardApplicationRules.CardOnFile.Form, _ standing: CardApplicationRules.CardOnFile.Standing = .active,
              through: String) throws -> CardApplicationRules.CardOnFile {
        .init(number: number, form: form, standing: standing, validThrough: try day(through))
    }

    @Test func refusalsComeInTheContractsOrder() throws {
        let today = try day("2027-03-01")
        #expect(throws: CardApplicationRules.Refusal.applicationPending) {
            try rules.decide(.first, cards: [try card("P1", .physical, through: "2028-01-01")], pendingApplication: true, today: today)
        }
        #expect(throws: CardApplicationRules.Refusal.physicalCardValid(validThrough: try day("2027-03-01"))) {
            try rules.decide(.first, cards: [try card("P1", .physical, through: "2027-03-01")], pendingApplication: false, today: today)
        }
        // A plastic card that ended yesterday, or was withdrawn, does not stand in the way.
        #expect(try rules.decide(.first, cards: [try card("P1", .physical, through: "2027-02-28")], pendingApplication: false, today: today) == .newCard)
        #expect(try rules.decide(.first, cards: [try card("P1", .physical, .revoked, through: "2029-01-01")], pendingApplication: false, today: today) == .newCard)
        #expect(throws: CardApplicationRules.Refusal.cardAlreadyValid(number: "D1", validThrough: try day("2027-04-02"), renewableFrom: try day("2027-03-03"))) {
            try rules.decide(.renewal, cards: [try card("D1", .digital, through: "2027-04-02")], pendingApplication: false, today: today)
        }
        #expect(throws: CardApplicationRules.Refusal.cardSuspended(number: "D1")) {
            try rules.decide(.renewal, cards: [try card("D1", .digital, .suspended, through: "2027-03-10")], pendingApplication: false, today: today)
        }
        #expect(throws: CardApplicationRules.Refusal.wrongKind(expected: .first, existing: nil)) {
            try rules.decide(.renewal, cards: [], pendingApplication: false, today: today)
        }
        #expect(throws: CardApplicationRules.Refusal.wrongKind(expected: .renewal, existing: "D1")) {
            try rules.decide(.first, cards: [try card("D1", .digital, through: "2027-03-20")], pendingApplication: false, today: today)
        }
        #expect(try rules.decide(.renewal, cards: [try card("D1", .digital, through: "2027-03-31")], pendingApplication: false, today: today) == .renew(number: "D1"))
        // An expired digital card is renewed too; a revoked one is replaced by a first application once it would have ended.
        #expect(try rules.decide(.renewal, cards: [try card("D1", .digital, through: "2026-01-01")], pendingApplication: false, today: today) == .renew(number: "D1"))
        #expect(try rules.decide(.first, cards: [try card("D1", .digital, .revoked, through: "2027-02-01")], pendingApplication: false, today: today) == .newCard)
    }

    /// Review 2, #13: the centre's suspension or revocation is not undone by the holder's own application.
    @Test func aSuspendedPlasticCardOrARevokedDigitalOneRefusesAnApplication() throws {
        let today = try day("2027-03-01")
        #expect(throws: CardApplicationRules.Refusal.cardSuspended(number: "P1")) {
            try rules.decide(.first, cards: [try card("P1", .physical, .suspended, through: "2028-01-01")], pendingApplication: false, today: today)
        }
        #expect(throws: CardApplicationRules.Refusal.cardSuspended(number: "D1")) {
            try rules.decide(.first, cards: [try card("D1", .digital, .revoked, through: "2028-01-01")], pendingApplication: false, today: today)
        }
        // Staff issued a new card after the revocation: the usual rules apply to that one.
        #expect(try rules.decide(.renewal, cards: [try card("D1", .digital, .revoked, through: "2027-06-01"), try card("D2", .digital, through: "2027-03-20")],
                                 pendingApplication: false, today: today) == .renew(number: "D2"))
    }

    @Test func validityCountsTheIssueDayAndRenewalKeepsPaidDays() throws {
        #expect(try rules.validThrough(issuedOn: try day("2026-12-02")) == (try day("2027-12-01")))
        #expect(try rules.validThrough(issuedOn: try day("2028-02-29")) == (try day("2029-02-27")))
        #expect(try rules.renewedValidThrough(currentEnd: try day("2027-01-14"), today: try day("2026-12-20")) == (try day("2028-01-14")))
        #expect(try rules.renewedValidThrough(currentEnd: try day("2026-01-14"), today: try day("2026-12-20")) == (try day("2027-12-19")))
        #expect(rules.renewableFrom(try day("2027-03-31")) == (try day("2027-03-01")))
    }

    @Test func monthsClampToTheEndOfShorterMonths() throws {
        #expect(try day("2028-01-31").adding(months: 1) == (try day("2028-02-29")))
        #expect(try day("2027-03-31").adding(months: -1) == (try day("2027-02-28")))
        #expect(try day("2026-12-15").adding(months: 13) == (try day("2028-01-15")))
        #expect(throws: AccountRulesError.self) { try day("9999-12-01").adding(months: 1) }
    }

    @Test func cardNumbersCarryAPrefixTenRandomDigitsAndALuhnDigit() throws {
        let scheme = try CardNumberScheme(prefix: "D")
        var generator = SystemRandomNumberGenerator()
        let numbers = (0..<2_000).map { _ in scheme.generate(using: &generator) }
        #expect(numbers.allSatisfy { $0.count == 12 && $0.hasPrefix("D") && scheme.isWellFormed($0) })
        #expect(Set(numbers).count == numbers.count)
        // One changed digit, or two swapped neighbours, fail the check.
        let sample = numbers[0]
        var digits = Array(sample)
        digits[5] = digits[5] == "9" ? "0" : Character(String(digits[5].wholeNumberValue! + 1))
        #expect(!scheme.isWellFormed(String(digits)))
        #expect(scheme.isWellFormed("D" + "7992739871" + "3"), "the classic Luhn example 79927398713")
        #expect(!scheme.isWellFormed("D" + "7992739871" + "4"))
        #expect(!scheme.isWellFormed("X79927398713"))
        // Consecutive numbers share nothing that predicts the next: no two of 2,000 agree on their first six digits in order.
        let prefixes = numbers.map { $0.dropFirst().prefix(6) }
        #expect(zip(prefixes, prefixes.dropFirst()).filter { $0 == $1 }.count < 3)
        #expect(throws: AccountRulesError.self) { try CardNumberScheme(prefix: "d-") }
    }
}
