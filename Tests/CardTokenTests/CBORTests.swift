import CardToken
import TestSupport
import Testing

@Suite struct CBORTests {
    /// The RFC 8949 Appendix A examples within AC1's subset (integers, byte
    /// and text strings, arrays, maps, tags), all in deterministic encoding:
    /// each decodes and re-encodes to the same bytes.
    @Test(arguments: [
        (CBORValue.unsigned(0), "00"), (.unsigned(1), "01"), (.unsigned(10), "0a"), (.unsigned(23), "17"),
        (.unsigned(24), "1818"), (.unsigned(25), "1819"), (.unsigned(100), "1864"), (.unsigned(1000), "1903e8"),
        (.unsigned(1_000_000), "1a000f4240"), (.unsigned(1_000_000_000_000), "1b000000e8d4a51000"),
        (.unsigned(18_446_744_073_709_551_615), "1bffffffffffffffff"),
        (.negative(18_446_744_073_709_551_615), "3bffffffffffffffff"), // -18446744073709551616
        (.integer(-1), "20"), (.integer(-10), "29"), (.integer(-100), "3863"), (.integer(-1000), "3903e7"),
        (.bytes([]), "40"), (.bytes([1, 2, 3, 4]), "4401020304"),
        (.text(""), "60"), (.text("a"), "6161"), (.text("IETF"), "6449455446"), (.text("\"\\"), "62225c"),
        (.text("\u{00FC}"), "62c3bc"), (.text("\u{6C34}"), "63e6b0b4"), (.text("\u{10151}"), "64f0908591"),
        (.array([]), "80"), (.array([.unsigned(1), .unsigned(2), .unsigned(3)]), "83010203"),
        (.array([.unsigned(1), .array([.unsigned(2), .unsigned(3)]), .array([.unsigned(4), .unsigned(5)])]), "8301820203820405"),
        (.array((1...25).map { .unsigned($0) }), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
        (.map([]), "a0"),
        (.map([.init(key: .unsigned(1), value: .unsigned(2)), .init(key: .unsigned(3), value: .unsigned(4))]), "a201020304"),
        (.map([.init(key: .text("a"), value: .unsigned(1)), .init(key: .text("b"), value: .array([.unsigned(2), .unsigned(3)]))]), "a26161016162820203"),
        (.array([.text("a"), .map([.init(key: .text("b"), value: .text("c"))])]), "826161a161626163"),
        (.map(["a", "b", "c", "d", "e"].map { .init(key: .text($0), value: .text($0.uppercased())) }), "a56161614161626142616361436164614461656145"),
        (.tagged(0, .text("2013-03-21T20:04:00Z")), "c074323031332d30332d32315432303a30343a30305a"),
        (.tagged(1, .unsigned(1_363_896_240)), "c11a514b67b0"),
        (.tagged(23, .bytes([1, 2, 3, 4])), "d74401020304"),
        (.tagged(24, .bytes([0x64, 0x49, 0x45, 0x54, 0x46])), "d818456449455446"),
        (.tagged(32, .text("http://www.example.com")), "d82076687474703a2f2f7777772e6578616d706c652e636f6d"),
        (.tagged(2, .bytes([1, 0, 0, 0, 0, 0, 0, 0, 0])), "c249010000000000000000"),
    ])
    func decodesAndEncodesTheRFC8949AppendixAExamples(value: CBORValue, hex: String) throws {
        let bytes = try Hex.bytes(hex)
        #expect(try CBORValue(decoding: bytes) == value)
        #expect(try value.encoded() == bytes)
    }

    @Test func encoderSortsMapKeysBytewiseAndRefusesDuplicates() throws {
        // 24 encodes as 0x1818 and -1 as 0x20: bytewise order puts 24 first,
        // where length-first ordering (RFC 7049 canonical) would not.
        let map = CBORValue.map([
            .init(key: .integer(-1), value: .unsigned(0)),
            .init(key: .unsigned(24), value: .unsigned(0)),
            .init(key: .unsigned(2), value: .unsigned(0)),
        ])
        #expect(Hex.encode(try map.encoded()) == "a302001818002000")
        let duplicate = CBORValue.map([.init(key: .unsigned(1), value: .unsigned(0)), .init(key: .unsigned(1), value: .unsigned(1))])
        #expect(throws: CardTokenError(.cborDuplicateMapKey, "")) { try duplicate.encoded() }
    }

    @Test func decoderAcceptsBytewiseOrderThatIsNotLengthFirst() throws {
        #expect(throws: Never.self) { try CBORValue(decoding: try Hex.bytes("a21818002000")) }
    }

    // MARK: - One test per rejection rule

    @Test(arguments: ["5f4101ff", "7f6161ff", "9f01ff", "bf0102ff", "1f", "3f"])
    func rejectsIndefiniteLengths(_ hex: String) throws {
        #expect(throws: CardTokenError(.cborIndefiniteLength, "")) { try CBORValue(decoding: try Hex.bytes(hex)) }
    }

    @Test(arguments: [
        "1817", "190017", "1900ff", "1a0000ffff", "1b00000000ffffffff", // integers
        "3817", "3900ff",                                              // negative integers
        "580141", "780161",   // string lengths
        "980101", "b8010102", // array and map counts
        "d80100",                                                      // a tag number
    ])
    func rejectsNonShortestForms(_ hex: String) throws {
        #expect(throws: CardTokenError(.cborNonShortestForm, "")) { try CBORValue(decoding: try Hex.bytes(hex)) }
    }

    @Test(arguments: ["a202000100", "a2616201616101", "a22000181800", "a3010002000100"])
    func rejectsUnsortedMapKeys(_ hex: String) throws {
        #expect(throws: CardTokenError(.cborUnsortedMapKeys, "")) { try CBORValue(decoding: try Hex.bytes(hex)) }
    }

    @Test(arguments: ["a201000101", "a2616101616102"])
    func rejectsDuplicateMapKeys(_ hex: String) throws {
        #expect(throws: CardTokenError(.cborDuplicateMapKey, "")) { try CBORValue(decoding: try Hex.bytes(hex)) }
    }

    @Test(arguments: ["0000", "a000", "4100ff"])
    func rejectsTrailingBytes(_ hex: String) throws {
        #expect(throws: CardTokenError(.cborTrailingBytes, "")) { try CBORValue(decoding: try Hex.bytes(hex)) }
    }

    @Test func rejectsNestingDeeperThanTheBound() throws {
        let depth = CBORReader.maximumDepth
        let fits = [UInt8](repeating: 0x81, count: depth - 1) + [0x00]
        #expect(throws: Never.self) { try CBORValue(decoding: fits) }
        let arrays = [UInt8](repeating: 0x81, count: depth) + [0x00]
        #expect(throws: CardTokenError(.cborNestingTooDeep, "")) { try CBORValue(decoding: arrays) }
        let tags = [UInt8](repeating: 0xC1, count: depth) + [0x00]
        #expect(throws: CardTokenError(.cborNestingTooDeep, "")) { try CBORValue(decoding: tags) }
        let maps = Array([[UInt8]](repeating: [0xA1, 0x00], count: depth).joined()) + [0x00]
        #expect(throws: CardTokenError(.cborNestingTooDeep, "")) { try CBORValue(decoding: maps) }
        // A million levels must not exhaust the stack: the bound stops it first.
        let deep = [UInt8](repeating: 0x81, count: 1_000_000)
        #expect(throws: CardTokenError(.cborNestingTooDeep, "")) { try CBORValue(decoding: deep) }
    }

    @Test(arguments: [
        "5affffffff", "7b7fffffffffffffff", "4201",        // string lengths beyond the input
        "9bffffffffffffffff", "9a7fffffff", "8301",       // array counts beyond the input
        "bbffffffffffffffff", "a20102",                   // map counts beyond the input
    ])
    func rejectsLengthsLargerThanTheInputBeforeAllocating(_ hex: String) throws {
        #expect(throws: CardTokenError(.cborLengthTooLarge, "")) { try CBORValue(decoding: try Hex.bytes(hex)) }
    }

    @Test(arguments: ["", "19", "1901", "1b00000001000000", "d8"])
    func rejectsTruncatedInput(_ hex: String) throws {
        #expect(throws: CardTokenError(.cborTruncated, "")) { try CBORValue(decoding: try Hex.bytes(hex)) }
    }

    @Test(arguments: ["f4", "f5", "f6", "f7", "f93c00", "fa47c35000", "fb3ff199999999999a", "e0", "1c", "5d", "9e"])
    func rejectsFloatsSimpleValuesAndReservedEncodings(_ hex: String) throws {
        #expect(throws: CardTokenError(.cborUnsupportedType, "")) { try CBORValue(decoding: try Hex.bytes(hex)) }
    }

    @Test(arguments: ["62c328", "61ff", "63eda080"])
    func rejectsTextThatIsNotUTF8(_ hex: String) throws {
        #expect(throws: CardTokenError(.cborInvalidUTF8, "")) { try CBORValue(decoding: try Hex.bytes(hex)) }
    }

    @Test func randomInputNeverCrashesAndEverythingAcceptedIsDeterministic() throws {
        var random = SeededRandom(seed: 8949)
        var accepted = 0
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...24, using: &random)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            guard let value = try? CBORValue(decoding: bytes) else { continue }
            accepted += 1
            // What the strict decoder accepts is exactly the canonical encoding.
            #expect(try value.encoded() == bytes)
        }
        #expect(accepted > 100)
    }
}
