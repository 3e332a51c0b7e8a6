import CardToken
import Foundation
import Testing

@Suite("The verdict's hand-written JSON")
struct VerdictReportJSONTests {
    func encoded(_ report: VerdictReport) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(report))
    }

    @Test func equalsJSONEncoderByteForByte() throws {
        var full = VerdictReport(verdict: "ok", reason: "ok", message: "The card is valid.", detail: "quote \" backslash \\ slash / tab \t newline \n bell \u{07} 林○明 😀")
        full.kid = "H1RSoZE6jlY"
        full.alg = "EdDSA"
        full.cardNumber = "A000001234"
        full.holderName = "林○明"
        full.validThrough = "2030-12-31"
        full.issuedAt = 1_795_555_093
        full.expiresAt = 1_795_555_260
        full.secondsLeft = 0
        full.tokenID = "68f53bda8f618e5d"
        full.keysetSeq = UInt64.max
        full.keysetAgeSeconds = -1
        full.seenBefore = false
        full.firstSeenAt = Int64.min
        full.clockWarning = "behind\r\u{0C}\u{08}"
        #expect(full.sortedJSON() == (try encoded(full)))
        let bare = VerdictReport(verdict: "unavailable", reason: "keyset_stale", message: "", detail: "")
        #expect(bare.sortedJSON() == (try encoded(bare)))
        var seen = bare
        seen.seenBefore = true
        #expect(seen.sortedJSON() == (try encoded(seen)))
    }
}
