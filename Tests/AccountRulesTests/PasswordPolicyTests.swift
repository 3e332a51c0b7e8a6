import AccountRules
import Testing

@Suite struct PasswordPolicyTests {
    let baseline = PasswordPolicy(kind: .baseline, commonPasswords: CommonPasswords(["password1!", "Qwerty123!"]))
    let identifiers = ["A123456789", "R09000001", "ming@example.org", "0912345678"]

    func problem(_ password: String, policy: PasswordPolicy? = nil, recent: [String] = []) -> PasswordProblem? {
        (policy ?? baseline).problem(with: password, identifiers: identifiers, isRecent: { recent.contains($0) })
    }

    @Test func eachRuleAnswersWithItsCode() {
        #expect(problem("Ab1!xyz") == .tooShort)
        #expect(problem(String(repeating: "Ab1!", count: 17)) == .tooLong)
        // 3 + 23 × 3 = 72 bytes is the most bcrypt reads; one more character is too long.
        #expect(problem("Ab1" + String(repeating: "密", count: 23)) == nil)
        #expect(problem("Ab1" + String(repeating: "密", count: 24)) == .tooLong)
        #expect(problem("abcdefgh") == .tooSimple)
        #expect(problem("abcdefg1") == .tooSimple)
        #expect(problem("Correct-Horse1", recent: ["Correct-Horse1"]) == .reused)
        #expect(problem("r09000001A!") == nil)
        #expect(problem("A123456789") == .tooSimple)
        #expect(problem("Ming@Example.org") == .isIdentifier)
        #expect(problem("PASSWORD1!") == .common)
        #expect(problem("Tr1cky-but-fine") == nil)
    }

    @Test func rulesApplyInTheContractsOrder() {
        // Short and simple: too_short is the first rule.
        #expect(problem("abc") == .tooShort)
        // Reused and an identifier: reused comes first.
        #expect(problem("Ming@Example.org", recent: ["Ming@Example.org"]) == .reused)
        // An identifier on the common list: is_identifier first.
        let policy = PasswordPolicy(kind: .baseline, commonPasswords: CommonPasswords(["ming@example.org"]))
        #expect(problem("Ming@Example.org", policy: policy) == .isIdentifier)
    }

    @Test func nistDropsCompositionAndWantsFifteenCharacters() {
        let nist = PasswordPolicy(kind: .nist, commonPasswords: CommonPasswords(["correcthorsebatterystaple"]))
        #expect(problem("Ab1!Ab1!Ab1!", policy: nist) == .tooShort)
        #expect(problem("all lower case words", policy: nist) == nil)
        #expect(problem("CorrectHorseBatteryStaple", policy: nist) == .common)
    }

    @Test func theBundledListIsLargeAndMatchesIgnoringCase() {
        let list = CommonPasswords.bundled
        #expect(list.count >= 10_000)
        #expect(list.contains("password"))
        #expect(list.contains("PassWord"))
        #expect(!list.contains("Tr1cky-but-fine"))
    }
}
