import AccountRules
import CardToken
import Foundation
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import Testing

/// Issue #26, item 4: cards and card applications behave alike on every backend.
@Suite("Card repository: every backend behaves alike")
struct CardRepositoryConformanceTests {
    static let kek = KeyEncryptionKey.generate().key
    static let today = try! CalendarDay(year: 2027, month: 3, day: 1)

    static func policy(onSubmission: Bool) -> CardIssuePolicy {
        CardIssuePolicy(rules: CardApplicationRules(validityMonths: 60, renewalWindowMonths: 3), numbers: .standard,
                        fees: [.first: 200, .renewal: 100], issueOnSubmission: onSubmission)
    }

    /// A backend with two holders: R09000001 with a physical card, R09000002 with none.
    static func make(_ backend: StorageBackend) async throws -> (cards: any CardRepository, holders: any HolderRepository, audit: any AuditRepository) {
        let store = try await backend.store()
        let holders = store.holders(kek: kek)
        let csv = """
            student_id,display_name,email,card_number,valid_through,card_kind
            R09000001,林小明,lin@alumni.example.org,A000000001,2030-12-31,physical
            R09000002,王小美,mei@alumni.example.org,,,

            """
        #expect(try await holders.importRegistrar(Data(csv.utf8), now: 100, actor: "cli:test", dryRun: false, accountReady: nil).applied)
        return (store.cards(kek: kek), holders, store.audit())
    }

    @Test(arguments: StorageBackend.allCases)
    func aCardMovesOnlyAlongTheAllowedStatusesAndAWithdrawnOneIsListedWhileItsTokensLive(backend: StorageBackend) async throws {
        let (cards, _, audit) = try await Self.make(backend)
        #expect(try await cards.card(number: "A000000001")?.status == .active)
        #expect(try await cards.card(number: "A999999999") == nil)
        try await cards.noteTokensHandedOut(card: "A000000001", until: 5_000)
        try await cards.noteTokensHandedOut(card: "A000000001", until: 4_000) // never moves back
        #expect(try await cards.setCardStatus(number: "A000000001", status: .suspended, reason: "lost", now: 1_000, actor: "admin:ops").status == .suspended)
        #expect(try await cards.withdrawnCards(since: 900, liveAfter: 9_000) == ["A000000001"], "withdrawn since 900")
        #expect(try await cards.withdrawnCards(since: 1_001, liveAfter: 4_500) == ["A000000001"], "its tokens live until 5000")
        #expect(try await cards.withdrawnCards(since: 1_001, liveAfter: 5_000).isEmpty)
        #expect(try await cards.setCardStatus(number: "A000000001", status: .revoked, reason: "stolen", now: 1_100, actor: "admin:ops").status == .revoked)
        do {
            _ = try await cards.setCardStatus(number: "A000000001", status: .active, reason: "found", now: 1_200, actor: "admin:ops")
            Issue.record("a revoked card was reinstated")
        } catch let error as IssuerStoreError { #expect(error.code == .invalidChange) }
        do {
            _ = try await cards.setCardStatus(number: "A999999999", status: .suspended, reason: "x", now: 1_200, actor: "admin:ops")
            Issue.record("a card that does not exist was changed")
        } catch let error as IssuerStoreError { #expect(error.code == .notFound) }
        #expect(try await audit.recent(limit: 10).filter { $0.actor == "admin:ops" }.count == 2)
    }

    @Test(arguments: StorageBackend.allCases)
    func ofTwoRacingApplicationsOfOneHolderOnlyOnePassesAndThePaymentIssuesTheCardOnce(backend: StorageBackend) async throws {
        let (cards, holders, _) = try await Self.make(backend)
        let holder = try #require(try await holders.holder(studentID: "R09000002"))
        let policy = Self.policy(onSubmission: false)
        #expect(try await cards.cardApplicationOffer(holderID: holder.id, rules: policy.rules, today: Self.today) == .success(.first))
        let results = await withTaskGroup(of: Result<CardApplication, any Error>.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    do { return .success(try await cards.submitCardApplication(holderID: holder.id, kind: .first, policy: policy, today: Self.today, now: 2_000, mail: nil)) }
                    catch { return .failure(error) }
                }
            }
            return await group.reduce(into: [Result<CardApplication, any Error>]()) { $0.append($1) }
        }
        let made = results.compactMap { try? $0.get() }
        #expect(made.count == 1 && made.first?.status == .awaitingPayment && made.first?.feeAmount == 200)
        #expect(results.contains { if case .failure(let error) = $0 { (error as? CardApplicationRules.Refusal) == .applicationPending } else { false } })
        #expect(try await cards.cardApplicationOffer(holderID: holder.id, rules: policy.rules, today: Self.today) == .failure(.applicationPending))
        let application = try #require(made.first)

        let paid = try await cards.recordCardPayment(applicationID: application.id, amount: 200, reference: "R-1", policy: policy, today: Self.today,
                                                     now: 2_100, actor: "staff:desk", mail: nil)
        #expect(paid.status == .issued && paid.cardNumber != nil && paid.paidAmount == 200)
        do {
            _ = try await cards.recordCardPayment(applicationID: application.id, amount: 200, reference: "R-2", policy: policy, today: Self.today,
                                                  now: 2_200, actor: "staff:desk", mail: nil)
            Issue.record("a payment was recorded twice")
        } catch let error as IssuerStoreError { #expect(error.code == .alreadyPaid) }
        #expect(try await cards.cardApplications(holderID: holder.id).map(\.id) == [application.id])
        #expect(try await cards.cardApplications(status: .issued, paid: true, limit: 10, actor: "staff:desk", now: 2_300).map(\.id) == [application.id])
        #expect(try await cards.cardApplications(status: .awaitingPayment, paid: nil, limit: 10, actor: "staff:desk", now: 2_300).isEmpty)
    }

    /// A renewal paid later extends its card; one whose card was revoked
    /// between the application and the payment gets a new number instead.
    @Test(arguments: StorageBackend.allCases)
    func aPaidRenewalExtendsItsCardUnlessTheCardWasRevokedMeanwhile(backend: StorageBackend) async throws {
        let (cards, holders, audit) = try await Self.make(backend)
        let csv = """
            student_id,display_name,email,card_number,valid_through,card_kind
            R09000003,陳小華,hua@alumni.example.org,D000000003,2027-04-30,digital
            R09000004,李小安,an@alumni.example.org,D000000004,2027-04-30,digital

            """
        #expect(try await holders.importRegistrar(Data(csv.utf8), now: 200, actor: "cli:test", dryRun: false, accountReady: nil).applied)
        let policy = Self.policy(onSubmission: false)
        var issued: [String: CardApplication] = [:]
        for (studentID, revokeFirst) in [("R09000003", false), ("R09000004", true)] {
            let holder = try #require(try await holders.holder(studentID: studentID))
            let applied = try await cards.submitCardApplication(holderID: holder.id, kind: .renewal, policy: policy, today: Self.today, now: 3_000, mail: nil)
            let named = try #require(applied.cardNumber)
            if revokeFirst { _ = try await cards.setCardStatus(number: named, status: .revoked, reason: "stolen", now: 3_050, actor: "admin:ops") }
            issued[studentID] = try await cards.recordCardPayment(applicationID: applied.id, amount: 100, reference: "R-\(studentID)", policy: policy,
                                                                  today: Self.today, now: 3_100, actor: "staff:desk", mail: nil)
        }
        // Sixty months from the old end (days paid for are kept), or from today for the new card.
        let longer = try CalendarDay(year: 2032, month: 4, day: 30), anew = try CalendarDay(year: 2032, month: 2, day: 29)
        let extended = try #require(issued["R09000003"])
        #expect(extended.cardNumber == "D000000003" && extended.validThrough == longer)
        #expect(try await cards.card(number: "D000000003")?.validThrough == longer)
        let replaced = try #require(issued["R09000004"])
        let fresh = try #require(replaced.cardNumber)
        #expect(fresh != "D000000004" && replaced.validThrough == anew)
        #expect(try await cards.card(number: fresh)?.status == .active)
        #expect(try await cards.card(number: "D000000004")?.status == .revoked)
        let renewed = try await audit.recent(limit: 20).filter { $0.action == "card_renewed" }.compactMap(\.subject)
        #expect(Set(renewed) == ["D000000003", fresh])
    }

    @Test(arguments: StorageBackend.allCases)
    func issuedOnSubmissionAHolderWithAPhysicalCardIsToldWhy(backend: StorageBackend) async throws {
        let (cards, holders, _) = try await Self.make(backend)
        let policy = Self.policy(onSubmission: true)
        let withCard = try #require(try await holders.holder(studentID: "R09000001"))
        let offer = try await cards.cardApplicationOffer(holderID: withCard.id, rules: policy.rules, today: Self.today)
        #expect(offer == .failure(.physicalCardValid(validThrough: try CalendarDay(year: 2030, month: 12, day: 31))))
        let without = try #require(try await holders.holder(studentID: "R09000002"))
        let issued = try await cards.submitCardApplication(holderID: without.id, kind: .first, policy: policy, today: Self.today, now: 3_000, mail: nil)
        #expect(issued.status == .issued)
        let number = try #require(issued.cardNumber)
        #expect(try await cards.card(number: number)?.status == .active)
    }
}
