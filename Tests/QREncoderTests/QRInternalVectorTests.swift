@testable import QREncoder
import TestSupport
import Testing

/// Values from the standard's tables and annexes, checked against our code.
@Suite(.onItsOwnThread) struct QRInternalVectorTests {
    /// Generator polynomials of ISO/IEC 18004 Annex A, as exponents of α
    /// from x^(n−1) down to x⁰.
    @Test(arguments: [
        (7, [87, 229, 146, 149, 238, 102, 21]),
        (10, [251, 67, 46, 61, 118, 70, 64, 94, 32, 45]),
        (13, [74, 152, 176, 100, 86, 100, 106, 104, 130, 218, 206, 140, 78]),
    ])
    func generatorPolynomialsMatchAnnexA(degree: Int, exponents: [Int]) {
        let coefficients = ReedSolomon.generator(degree: degree)
        #expect(coefficients.map { GaloisField.logarithms[Int($0)] } == exponents)
    }

    @Test func galoisFieldTablesAreInversesAndCoverTheField() {
        #expect(Set(GaloisField.exponentials.prefix(255)).count == 255)
        for value in 1...255 {
            #expect(Int(GaloisField.exponentials[GaloisField.logarithms[value]]) == value)
        }
        #expect(GaloisField.multiply(0x80, 2) == 0x1D) // x⁸ reduces by 0x11D
    }

    /// The Reed–Solomon example of Annex I: "01234567" at 1-M.
    @Test func reedSolomonReproducesTheAnnexIExample() {
        let data: [UInt8] = [0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11]
        let ecc = ReedSolomon.remainder(of: data[...], count: 10)
        #expect(ecc == [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55])
    }

    /// Format information of Table C.1 (after the XOR mask).
    @Test(arguments: [
        (QRErrorCorrection.medium, 0, 0b101010000010010), (.medium, 5, 0b100000011001110),
        (.low, 0, 0b111011111000100), (.low, 7, 0b110100101110110),
        (.quartile, 0, 0b011010101011111), (.quartile, 4, 0b010010010110100),
        (.high, 0, 0b001011010001001), (.high, 7, 0b000100000111011),
    ])
    func formatBitsMatchTableC1(level: QRErrorCorrection, mask: Int, bits: Int) {
        #expect(QRFormatBits.formatBits(level, QRMask.all[mask]) == bits)
    }

    /// Version information of Table D.1.
    @Test(arguments: [(7, 0x07C94), (8, 0x085BC), (9, 0x09A99), (20, 0x149A6), (32, 0x209D5), (40, 0x28C69)])
    func versionBitsMatchTableD1(version: Int, bits: Int) throws {
        #expect(QRFormatBits.versionBits(try QRVersion(version)) == bits)
    }

    /// Alignment pattern centres of Annex E.
    @Test(arguments: [
        (1, []), (2, [6, 18]), (7, [6, 22, 38]), (14, [6, 26, 46, 66]), (16, [6, 26, 50, 74]),
        (32, [6, 34, 60, 86, 112, 138]), (36, [6, 24, 50, 76, 102, 128, 154]), (40, [6, 30, 58, 86, 114, 142, 170]),
    ])
    func alignmentCentresMatchAnnexE(version: Int, centres: [Int]) throws {
        #expect(try QRVersion(version).alignmentPatternCentres == centres)
    }

    /// Data capacities of Table 7 (codewords) and the character counts of
    /// Table 7's mode columns at the extremes.
    @Test func capacitiesMatchTable7() throws {
        #expect(try QRVersion(1).dataCodewords(.low) == 19)
        #expect(try QRVersion(1).dataCodewords(.high) == 9)
        #expect(try QRVersion(8).dataCodewords(.medium) == 154)
        #expect(try QRVersion(40).dataCodewords(.low) == 2956)
        #expect(try QRVersion(40).dataCodewords(.high) == 1276)
        let v40 = try QRVersion(40)
        #expect(QRCorpus.capacity(.numeric, v40, .low) == 7089)
        #expect(QRCorpus.capacity(.alphanumeric, v40, .low) == 4296)
        #expect(QRCorpus.capacity(.byte, v40, .low) == 2953)
        #expect(QRCorpus.capacity(.numeric, v40, .high) == 3057)
        #expect(QRCorpus.capacity(.alphanumeric, v40, .high) == 1852)
        #expect(QRCorpus.capacity(.byte, v40, .high) == 1273)
        #expect(QRCorpus.capacity(.alphanumeric, try QRVersion(1), .medium) == 20)
    }

    @Test func everyVersionPlacesExactlyItsDataModules() {
        for version in QRVersion.all {
            let template = QRTemplate.of(version)
            #expect(template.dataPositions.count == version.rawDataModules)
            #expect(Set(template.dataPositions).count == template.dataPositions.count)
        }
    }

    @Test func optimalSegmentationNeverTakesMoreBitsThanOneMode() throws {
        let samples = ["A000001234", "HELLO 12345678901234567890 WORLD", "abc123456789012", "林○明 20271231", "AC1:RRQT 9P60", "0", "a", ""]
        for text in samples {
            let utf8 = Array(text.utf8)
            for version in [try QRVersion(1), try QRVersion(10), try QRVersion(27)] {
                let optimal = QRSegment.totalBits(QRSegmentation.optimalSegments(utf8, version: version), at: version) ?? 0
                let single = QRSegment.totalBits([QRSegmentation.segment(utf8, as: QRSegmentation.singleMode(utf8))], at: version) ?? 0
                #expect(optimal <= single, "\(text) at \(version)")
            }
        }
        // A long digit run inside byte text is worth its own numeric segment.
        let mixed = QRSegmentation.optimalSegments(Array("abc123456789012345678901234567890xyz".utf8), version: try QRVersion(1))
        #expect(mixed.map(\.mode) == [.byte, .numeric, .byte])
    }
}
