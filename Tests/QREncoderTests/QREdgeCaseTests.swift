@testable import QREncoder
import TestSupport
import Testing

/// Boundaries: empty input, every version's exact capacity and one
/// character more, the largest symbol, and refusals of bad parameters.
@Suite(.onItsOwnThread) struct QREdgeCaseTests {
    static func text(_ mode: QRMode, count: Int) -> String {
        switch mode {
        case .numeric: String(repeating: "7", count: count)
        case .alphanumeric: String(repeating: "A", count: count)
        case .byte: String(repeating: "a", count: count)
        }
    }

    @Test func emptyInputMakesTheSmallestSymbol() throws {
        for level in QRErrorCorrection.allCases {
            let code = try QRCode.encode(text: "", errorCorrection: level)
            #expect(code.version.number == 1)
            #expect(code.size == 21)
            #expect(code.errorCorrection == level)
        }
    }

    /// Table 7 of the standard: capacities of the smallest and largest symbols.
    @Test(arguments: [
        (1, QRErrorCorrection.low, 41, 25, 17), (1, .medium, 34, 20, 14), (1, .quartile, 27, 16, 11), (1, .high, 17, 10, 7),
        (40, .low, 7089, 4296, 2953), (40, .medium, 5596, 3391, 2331), (40, .quartile, 3993, 2420, 1663), (40, .high, 3057, 1852, 1273),
    ])
    func capacitiesMatchTable7(version: Int, level: QRErrorCorrection, numeric: Int, alphanumeric: Int, bytes: Int) throws {
        let v = try QRVersion(version)
        #expect(QRCorpus.capacity(.numeric, v, level) == numeric)
        #expect(QRCorpus.capacity(.alphanumeric, v, level) == alphanumeric)
        #expect(QRCorpus.capacity(.byte, v, level) == bytes)
    }

    /// For every version, level and mode: text of exactly the capacity
    /// encodes at that version, and one character more is refused there
    /// with the bit counts in the error.
    @Test func exactCapacityFitsAndOneMoreIsRefusedAtEveryVersionAndLevel() throws {
        for version in QRVersion.all {
            for level in QRErrorCorrection.allCases {
                for mode in QRMode.allCases {
                    let capacity = QRCorpus.capacity(mode, version, level)
                    let only = QREncodingOptions(versions: version.number...version.number)
                    let fits = try QRCode.encode(text: Self.text(mode, count: capacity), errorCorrection: level, options: only)
                    #expect(fits.version == version)
                    #expect(throws: QRError(.dataTooLong, "")) {
                        try QRCode.encode(text: Self.text(mode, count: capacity + 1), errorCorrection: level, options: only)
                    }
                    // Automatically, one more moves up a version.
                    if version < .maximum {
                        let grown = try QRCode.encode(text: Self.text(mode, count: capacity + 1), errorCorrection: level)
                        #expect(grown.version.number == version.number + 1, "\(mode) \(capacity + 1) at \(level)")
                    }
                }
            }
        }
    }

    @Test func version40HighHoldsItsMaximumAndRefusesOneMoreClearly() throws {
        let largest = try QRCode.encode(text: Self.text(.byte, count: 1273), errorCorrection: .high)
        #expect(largest.version == .maximum)
        #expect(largest.size == 177)
        #expect(largest.modules.count == 177 * 177)

        do {
            _ = try QRCode.encode(text: Self.text(.byte, count: 1274), errorCorrection: .high)
            Issue.record("1274 bytes at H must not fit")
        } catch {
            #expect(error.code == .dataTooLong)
            // 4 mode bits + 16 count bits + 1274 × 8 data bits; 1273 codewords hold 10208.
            #expect(error.dataBits == 10212)
            #expect(error.capacityBits == 10208)
            #expect(error.message.contains("10212 bits"))
            #expect(error.message.contains("1274 bytes"))
            #expect(error.message.contains("holds 10208 bits"))
        }
    }

    @Test func errorCorrectionIsBoostedOnlyWhenAskedAndOnlyWithinTheVersion() throws {
        let plain = try QRCode.encode(text: "AC1", errorCorrection: .low)
        #expect(plain.errorCorrection == .low)
        let boosted = try QRCode.encode(text: "AC1", errorCorrection: .low, options: QREncodingOptions(boostErrorCorrection: true))
        #expect(boosted.version.number == 1)
        #expect(boosted.errorCorrection == .high)
        // 20 alphanumerics fill 1-M exactly; boosting cannot reach Q there.
        let full = try QRCode.encode(text: Self.text(.alphanumeric, count: 20), errorCorrection: .low, options: QREncodingOptions(boostErrorCorrection: true))
        #expect(full.version.number == 1)
        #expect(full.errorCorrection == .medium)
    }

    @Test func explicitVersionAndMaskAreHonoured() throws {
        for mask in QRMask.all {
            let code = try QRCode.encode(text: "HELLO", options: QREncodingOptions(versions: 7...7, mask: mask))
            #expect(code.version.number == 7)
            #expect(code.mask == mask)
        }
    }

    @Test func badParametersAreRefusedWithTheirOwnCodes() throws {
        #expect(throws: QRError(.invalidParameter, "")) { try QRVersion(0) }
        #expect(throws: QRError(.invalidParameter, "")) { try QRVersion(41) }
        #expect(throws: QRError(.invalidParameter, "")) { try QRCode.encode(text: "x", options: QREncodingOptions(versions: 0...3)) }
        #expect(throws: QRError(.invalidCharacter, "")) { try QRCode.encode(text: "12a", options: QREncodingOptions(segmentation: .forced(.numeric))) }
        #expect(throws: QRError(.invalidCharacter, "")) { try QRSegment.numeric("12a") }
        #expect(throws: QRError(.invalidCharacter, "")) { try QRSegment.alphanumeric("lower") }
        #expect(throws: QRError(.invalidParameter, "")) {
            try QRCode(version: .minimum, errorCorrection: .medium, dataCodewords: [0, 1, 2])
        }
        let code = try QRCode.encode(text: "x")
        #expect(throws: QRError(.invalidParameter, "")) { try code.png(moduleSize: 0) }
    }

    /// The three API levels agree: text, the same text as explicit
    /// segments, and the data codewords all give the same symbol.
    @Test func textSegmentsAndCodewordLevelsAgree() throws {
        let text = "0123456789012345ABCDEFGHIJhello"
        let fromText = try QRCode.encode(text: text, errorCorrection: .quartile)
        let chosen = QRSegmentation.optimalSegments(Array(text.utf8), version: fromText.version)
        #expect(chosen.map(\.mode) == [.numeric, .alphanumeric, .byte])
        #expect(try QRCode.encode(segments: chosen, errorCorrection: .quartile) == fromText)

        let explicit = try [QRSegment.numeric("0123456789012345"), QRSegment.alphanumeric("ABCDEFGHIJ"), QRSegment.bytes(Array("hello".utf8))]
        #expect(explicit == chosen)
        let codewords = QRCode.dataCodewords(explicit, version: fromText.version, level: .quartile)
        #expect(try QRCode(version: fromText.version, errorCorrection: .quartile, dataCodewords: codewords) == fromText)
    }

    /// Optimal segmentation never costs more bits than one mode, and saves
    /// bits on text that mixes long digit runs with lowercase.
    @Test func optimalSegmentationIsNeverLongerThanOneMode() throws {
        let samples = ["https://example.org/0123456789012345678901234567890", "林○明 A000001234", "AC1:RRQT 9P60GO0GMP4.HN", "a" + String(repeating: "9", count: 40) + "b"]
        for text in samples {
            let utf8 = Array(text.utf8)
            for version in [QRVersion.minimum, try QRVersion(10), try QRVersion(27)] {
                let optimal = QRSegment.totalBits(QRSegmentation.optimalSegments(utf8, version: version), at: version)!
                let single = QRSegment.totalBits([QRSegmentation.segment(utf8, as: QRSegmentation.singleMode(utf8))], at: version)!
                #expect(optimal <= single, "\(text) at \(version)")
            }
        }
        let digits = Array(("a" + String(repeating: "9", count: 40) + "b").utf8)
        let version = QRVersion.minimum
        #expect(QRSegment.totalBits(QRSegmentation.optimalSegments(digits, version: version), at: version)! <
                QRSegment.totalBits([QRSegmentation.segment(digits, as: .byte)], at: version)!)
    }
}
