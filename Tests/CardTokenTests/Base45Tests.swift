import CardToken
import TestSupport
import Testing

@Suite struct Base45Tests {
    /// RFC 9285 §4.3 and §4.4.
    @Test(arguments: [
        ("AB", "BB8"),
        ("Hello!!", "%69 VD92EX0"),
        ("base-45", "UJCLQE7W581"),
        ("ietf!", "QED8WEX0"),
        ("", ""),
    ])
    func encodesAndDecodesTheRFC9285Examples(plain: String, encoded: String) throws {
        #expect(Base45.encode(Array(plain.utf8)) == encoded)
        #expect(try Base45.decode(encoded) == Array(plain.utf8))
    }

    @Test func roundTripsEveryByteValueAndEveryLength() throws {
        var random = SeededRandom(seed: 45)
        for length in 0...300 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            let text = Base45.encode(bytes)
            #expect(text.utf8.count == Base45.encodedLength(byteCount: length))
            #expect(try Base45.decode(text) == bytes)
        }
        let all = (0...255).map(UInt8.init)
        #expect(try Base45.decode(Base45.encode(all)) == all)
        #expect(try Base45.decode(Base45.encode([0xFF, 0xFF])) == [0xFF, 0xFF]) // the largest triple, 65535
    }

    @Test(arguments: ["qed8wex0", "QED8WEX!", "QED8WEX\u{00E9}", "QE\u{0}"])
    func rejectsCharactersOutsideTheAlphabet(_ text: String) {
        #expect(throws: CardTokenError(.base45InvalidCharacter, "")) { try Base45.decode(text) }
    }

    @Test(arguments: ["Q", "QED8", "QED8WEX0AB"])
    func rejectsALoneFinalCharacter(_ text: String) {
        #expect(throws: CardTokenError(.base45DanglingCharacter, "")) { try Base45.decode(text) }
    }

    @Test func rejectsATripleAbove65535() throws {
        // "GGW" = 16 + 16·45 + 32·2025 = 65536, one past the largest.
        #expect(throws: CardTokenError(.base45ValueOutOfRange, "")) { try Base45.decode("GGW") }
        #expect(throws: CardTokenError(.base45ValueOutOfRange, "")) { try Base45.decode(":::") }
        #expect(try Base45.decode("FGW") == [0xFF, 0xFF])
    }

    @Test func rejectsAFinalPairAbove255() throws {
        // "V5" = 31 + 5·45 = 256; "U5" = 255 is the largest.
        #expect(throws: CardTokenError(.base45ValueOutOfRange, "")) { try Base45.decode("V5") }
        #expect(try Base45.decode("U5") == [0xFF])
    }
}
