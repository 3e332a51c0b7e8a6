import Foundation
import AccountRules
import TestSupport
import Testing

/// A second checksum, written apart from `IdentityNumber`: it spells the
/// number out as eleven digits and takes the weighted sum with a table.
private enum ReferenceChecksum {
    static let codes: [Character: Int] = [
        "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34, "J": 18, "K": 19, "L": 20, "M": 21,
        "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25, "S": 26, "T": 27, "U": 28, "V": 29, "W": 32, "X": 30, "Y": 31, "Z": 33,
    ]
    static let weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1]

    static func isValid(_ text: String) -> Bool {
        let characters = Array(text)
        guard characters.count == 10, let head = codes[characters[0]] else { return false }
        var digits = [head / 10, head % 10]
        if let second = characters[1].wholeNumberValue, [1, 2, 8, 9].contains(second) {
            digits.append(second)
        } else if "ABCD".contains(characters[1]) {
            digits.append(codes[characters[1]]! - 10)
        } else {
            return false
        }
        for character in characters[2...] {
            guard let value = character.wholeNumberValue, character.isASCII else { return false }
            digits.append(value)
        }
        return zip(digits, weights).map(*).reduce(0, +) % 10 == 0
    }

    /// The check digit that completes `first nine` characters.
    static func completing(_ prefix: String) -> String {
        for digit in 0...9 where isValid(prefix + String(digit)) { return prefix + String(digit) }
        preconditionFailure("no check digit completes \(prefix)")
    }
}

@Suite struct IdentityNumberTests {
    @Test(arguments: [
        ("A123456789", IdentityNumber.Kind.nationalID),
        ("a123456789", .nationalID),
        (" A123456789 ", .nationalID),
        ("AA00000009", .oldResidentCertificate),
        ("ac01234567", .oldResidentCertificate),
    ])
    func validNumbersAreNormalised(text: String, kind: IdentityNumber.Kind) throws {
        guard ReferenceChecksum.isValid(text.trimmingCharacters(in: .whitespaces).uppercased()) else {
            // The example itself must be right by the reference too.
            Issue.record("the example \(text) is not valid by the reference checksum")
            return
        }
        let number = try IdentityNumber(text)
        #expect(number.kind == kind)
        #expect(number.value == text.trimmingCharacters(in: .whitespaces).uppercased())
    }

    @Test func newResidentCertificatesAreAccepted() throws {
        let male = ReferenceChecksum.completing("A80000001")
        let female = ReferenceChecksum.completing("Z90123456")
        #expect(try IdentityNumber(male).kind == .residentCertificate)
        #expect(try IdentityNumber(female).kind == .residentCertificate)
    }

    @Test(arguments: [
        "A123456788",  // check digit off by one
        "A323456789",  // second character 3
        "A12345678",   // nine characters
        "A1234567890", // eleven
        "1123456789",  // no letter
        "AE00000009",  // old form only A–D
        "A12345678X",
        "Ａ123456789",  // full-width letter
        "",
    ])
    func invalidNumbersAreRefused(text: String) {
        #expect(throws: AccountRulesError(.nationalIDInvalid, "")) { try IdentityNumber(text) }
    }

    @Test func errorsAndDescriptionsNeverCarryTheNumber() throws {
        let number = try IdentityNumber("A123456789")
        #expect(number.masked == "A1******89")
        #expect("\(number)" == "A1******89")
        do {
            _ = try IdentityNumber("A123456788")
            Issue.record("accepted a wrong check digit")
        } catch {
            #expect(!error.message.contains("A12345678"))
        }
    }

    @Test func agreesWithTheReferenceOnRandomInput() {
        var random = SeededRandom(seed: 0x1D)
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        let seconds = Array("1289ABCDE3")
        var accepted = 0
        for _ in 0..<20_000 {
            var text = String(letters.randomElement(using: &random)!) + String(seconds.randomElement(using: &random)!)
            for _ in 0..<8 { text += String(Int.random(in: 0...9, using: &random)) }
            let ours = (try? IdentityNumber(text)) != nil
            #expect(ours == ReferenceChecksum.isValid(text), "disagreement on \(text)")
            if ours { accepted += 1 }
        }
        // About a tenth of well-formed numbers have the right check digit.
        #expect(accepted > 1_000)
    }

    @Test(arguments: ["0912345678", "0912-345-678", "+886 912 345 678", "+886-912-345-678", " 0912 345 678 "])
    func mobileNumbersAreNormalised(text: String) throws {
        #expect(try TaiwanMobileNumber(text).digits == "0912345678")
    }

    @Test(arguments: ["091234567", "0812345678", "+1 912 345 678", "09123456789", "09-12-34-56-7a"])
    func otherTextIsNotAMobileNumber(text: String) {
        #expect(throws: AccountRulesError(.mobileInvalid, "")) { try TaiwanMobileNumber(text) }
    }
}
