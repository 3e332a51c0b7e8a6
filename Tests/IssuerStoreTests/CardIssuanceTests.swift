import AccountRules
import CardToken
import Foundation
import IssuerStore
import Testing

/// The steps of issuing a card application that both backends take in
/// their transactions (`CardIssuance`): which card a renewal extends, the
/// new card otherwise, what the application records, and what it says.
@Suite("Card issuance steps")
struct CardIssuanceTests {
    static let today = try! CalendarDay(year: 2027, month: 3, day: 1)
    let policy = CardIssuePolicy(rules: CardApplicationRules(validityMonths: 60, renewalWindowMonths: 3), numbers: .standard,
                                 fees: [.first: 200, .renewal: 100], issueOnSubmission: false)

    func application(_ kind: CardApplicationRules.Kind, card: String? = nil) -> CardApplicationRow {
        CardApplicationRow(id: "ca-1", holderID: 7, kind: kind.rawValue, status: CardApplicationStatus.awaitingPayment.rawValue,
                           feeAmount: kind == .first ? 200 : 100, currency: "TWD", cardNumber: card, validThrough: nil, submittedAt: 10)
    }

    func card(_ number: String, _ status: CardStatus, through: Int64 = 20270430) -> CardRow {
        CardRow(number: number, holderID: 7, status: status.rawValue, validThrough: through, statusReason: nil, updatedAt: 1)
    }

    @Test func aRenewalExtendsItsOwnCardFromItsEndKeepingTheDaysPaidFor() throws {
        let renewal = application(.renewal, card: "D1234567890")
        let issue = try #require(try renewal.renewedCard(card("D1234567890", .suspended), policy: policy, today: Self.today, now: 500))
        #expect(issue.card.number == "D1234567890" && issue.card.status == CardStatus.suspended.rawValue, "the card keeps its number and status")
        #expect(issue.validThrough == (try CalendarDay(year: 2032, month: 4, day: 30)) && issue.card.validThrough == 20320430 && issue.card.updatedAt == 500)
    }

    @Test func aRevokedCardAnotherCardOrAFirstApplicationGetsANewCard() throws {
        let renewal = application(.renewal, card: "D1234567890")
        #expect(try renewal.renewedCard(card("D1234567890", .revoked), policy: policy, today: Self.today, now: 500) == nil,
                "revoked meanwhile: a new number replaces it")
        #expect(try renewal.renewedCard(card("D0000000000", .active), policy: policy, today: Self.today, now: 500) == nil, "not the card it names")
        #expect(try renewal.renewedCard(nil, policy: policy, today: Self.today, now: 500) == nil)
        #expect(try application(.first).renewedCard(card("D1234567890", .active), policy: policy, today: Self.today, now: 500) == nil)
        let fresh = try application(.first).newCard(number: "D5555555555", policy: policy, today: Self.today, now: 500)
        #expect(fresh.card == CardRow(number: "D5555555555", holderID: 7, status: "active", validThrough: 20320229, statusReason: nil, updatedAt: 500,
                                      kind: CardKind.digital.rawValue))
    }

    @Test func issuingRecordsTheCardOnTheApplicationAndSaysSoInTheAuditAndTheMail() throws {
        var renewal = application(.renewal, card: "D1234567890")
        let issue = try #require(try renewal.renewedCard(card("D1234567890", .active), policy: policy, today: Self.today, now: 500))
        let event = renewal.markIssued(issue, now: 600, actor: "staff:desk")
        #expect(renewal.status == CardApplicationStatus.issued.rawValue && renewal.issuedAt == 600 && renewal.validThrough == 20320430)
        #expect(event.action == "card_renewed" && event.subject == "D1234567890" && event.actor == "staff:desk" && event.detail.contains("ca-1"))

        let holder = Holder(id: 7, studentID: "R09000007", displayName: "陳小華", email: "hua@alumni.example.org", status: .active)
        let owed = CardIssuedMail { name, email, number, _, renewed, fee in
            OutgoingMail(kind: "card_issued", recipient: email, message: Array("\(name) \(number) \(renewed) \(fee)".utf8))
        }
        #expect(renewal.issuedMail(owed, holder: holder, issue: issue)?.message == Array("陳小華 D1234567890 true 100".utf8), "the fee still owed")
        renewal.paidAt = 550
        #expect(renewal.issuedMail(owed, holder: holder, issue: issue)?.message == Array("陳小華 D1234567890 true 0".utf8), "paid: nothing owed")
        let noAddress = Holder(id: 7, studentID: "R09000007", displayName: "陳小華", status: .active)
        #expect(renewal.issuedMail(owed, holder: noAddress, issue: issue) == nil && renewal.issuedMail(nil, holder: holder, issue: issue) == nil)
    }

    @Test func numberCandidatesAreWellFormedAndTheirExhaustionSaysWhatToCheck() {
        let candidates = policy.numberCandidates()
        #expect(candidates.count == 20 && candidates.allSatisfy(policy.numbers.isWellFormed) && Set(candidates).count == 20)
        #expect(policy.numbersExhausted.code == .invalidChange && policy.numbersExhausted.message.contains("cards.number_prefix"))
    }
}
