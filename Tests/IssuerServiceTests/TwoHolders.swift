import AccountRules
import CardToken
import IssuerStore
import Testing

/// Two registrar holders on a backend, for the suites of one's own
/// account: Lin (national ID, mobile, e-mail, card A000000001) and Wang
/// (another e-mail and, as asked, a mobile or a card A000000002).
enum TwoHolders {
    static func add(to holders: any HolderRepository, wangMobile: Bool = false, wangCard: Bool = false) async throws -> (lin: Holder, wang: Holder) {
        var lin = RegistrarRow(studentID: "R09000001", displayName: "林小明", email: "lin@alumni.example.org", cardNumber: try CardNumber("A000000001"),
                               validThrough: try CardDate(iso8601: "2030-12-31"))
        lin.nationalID = try IdentityNumber("A123456789")
        lin.mobile = try TaiwanMobileNumber("0912345678")
        var wang = RegistrarRow(studentID: "R09000002", displayName: "王大同", email: "wang@alumni.example.org",
                                cardNumber: wangCard ? try CardNumber("A000000002") : nil, validThrough: wangCard ? try CardDate(iso8601: "2030-12-31") : nil)
        if wangMobile { wang.mobile = try TaiwanMobileNumber("0987654321") }
        _ = try await holders.upsert(lin, now: 100, actor: "test")
        _ = try await holders.upsert(wang, now: 100, actor: "test")
        return (try #require(try await holders.holder(studentID: "R09000001")), try #require(try await holders.holder(studentID: "R09000002")))
    }
}
