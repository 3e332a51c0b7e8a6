import AccountRules
import Foundation
import Testing

@Suite("E-mail addresses and names")
struct EmailAddressTests {
    @Test(arguments: ["lin.applicant@example.org", "a+tag@mail.ntu.edu.tw", "O'Brien@example.ie", "x_y-z@sub-domain.example.com", " padded@example.org "])
    func addressesRelaysTakeAreAccepted(_ text: String) throws {
        #expect(try EmailAddress(text).text == text.trimmingCharacters(in: .whitespaces))
    }

    @Test(arguments: [#"a,"x"@evil.example"#, "a@b", "@example.org", "a@@example.org", "a..b@example.org", ".a@example.org", "a.@example.org",
                      "a b@example.org", "a@-example.org", "a@example-.org", "a@exa_mple.org", "a@example..org", "a@[127.0.0.1]",
                      "林@example.org", "a@example.org\r\nBcc: x@y.z", String(repeating: "a", count: 65) + "@example.org"])
    func addressesRelaysRefuseAreRefused(_ text: String) {
        #expect(throws: AccountRulesError(.emailInvalid, "")) { try EmailAddress(text) }
    }

    @Test func namesWithFormatCharactersAreRefused() {
        #expect(PersonName.isAcceptable("林小明") && PersonName.isAcceptable("Lin Hsiao-ming") && PersonName.isAcceptable("Zoë O'Neil"))
        for bad in ["Lin \u{202E}gnim", "\u{2066}Lin\u{2069}", "Li\u{200D}n", "Lin\u{00AD}", "Lin\nMing", "Lin\u{2028}", "Lin\u{E000}"] {
            #expect(!PersonName.isAcceptable(bad), "\(bad.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }
}
