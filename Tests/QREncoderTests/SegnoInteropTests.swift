import Foundation
@testable import QREncoder
import TestSupport
import Testing

/// Our module matrices against segno's, an encoder written independently,
/// over the whole corpus.
///
/// segno encodes a string in one mode and never splits it; it is always
/// told the single mode (and given byte-mode data as raw UTF-8 bytes, so
/// it neither re-encodes text as ISO-8859-1 nor picks Kanji mode), and we
/// encode with `.singleMode` to match. Our optimal segmentation, which
/// does split mixed text, is checked by the decoders instead
/// (`DecoderRoundTripTests`) and by the bit-count test in
/// `QRInternalVectorTests`.
@Suite(.serialized, .onItsOwnThread) struct SegnoInteropTests {
    struct Request: Encodable {
        let dataHex: String
        let mode: String
        let error: String
        let version: Int?
        let mask: Int?
    }

    struct Answer: Decodable {
        let version: Int?
        let mask: Int?
        let rows: [String]?
        let error: String?
    }

    static func segno(_ requests: [Request]) throws -> [Answer] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let output = try ExternalTool.python("segno_reference.py", input: encoder.encode(requests))
        let answers = try JSONDecoder().decode([Answer].self, from: output)
        guard answers.count == requests.count else { throw ExternalTool.Failure(description: "segno answered \(answers.count) of \(requests.count)") }
        return answers
    }

    static func rows(_ code: QRCode) -> [String] {
        code.rows.map { row in String(row.map { $0 ? "1" : "0" }) }
    }

    static func options(version: Int? = nil, mask: QRMask? = nil) -> QREncodingOptions {
        QREncodingOptions(versions: version.map { $0...$0 } ?? 1...40, mask: mask, boostErrorCorrection: false, segmentation: .singleMode)
    }

    /// The data codewords segno makes. Where the data and terminator end
    /// exactly on a byte boundary with room to spare, segno's padding step
    /// adds a whole zero byte (it pads `8 − length % 8` bits, which is 8 when
    /// the length is already aligned); §7.4.10 adds no bits there, and the
    /// pad codewords start at once. Returns nil where segno's stream equals
    /// ours, else the stream with segno's extra zero codeword.
    static func segnoDataCodewords(_ entry: QRCorpusEntry, version: QRVersion, level: QRErrorCorrection) -> [UInt8]? {
        let segment = QRSegmentation.segment(entry.utf8, as: entry.singleMode)
        let capacity = version.dataCapacityBits(level)
        let dataBits = QRSegment.totalBits([segment], at: version)!
        let terminated = dataBits + min(4, capacity - dataBits)
        guard terminated % 8 == 0 && terminated < capacity else { return nil }
        var codewords = Array(QRCode.dataCodewords([segment], version: version, level: level).prefix(terminated / 8))
        codewords.append(0)
        var pad: UInt8 = 0xEC
        while codewords.count < capacity / 8 {
            codewords.append(pad)
            pad ^= 0xEC ^ 0x11
        }
        return codewords
    }

    @Test func corpusIsLargeAndCoversEveryModeLevelAndVersion() throws {
        let entries = QRCorpus.entries
        #expect(entries.count >= 500)
        #expect(Set(entries.map(\.kind)).isSuperset(of: ["numeric", "alphanumeric", "ascii", "utf8", "mixed", "ac1", "empty"]))
        #expect(Set(entries.map(\.errorCorrection)) == Set(QRErrorCorrection.allCases))
        let versions = try Set(entries.map { try QRCode.encode(text: $0.text, errorCorrection: $0.errorCorrection, options: Self.options()).version.number })
        #expect(versions == Set(1...40))
    }

    /// With the version and mask fixed, every matrix equals segno's; and the
    /// automatic version equals segno's. Where segno's padding differs (see
    /// ``segnoDataCodewords(_:version:level:)``), the comparison is made with
    /// segno's codewords through our codeword-level API, and listed.
    @Test func matricesAndAutomaticVersionsEqualSegnos() throws {
        let entries = QRCorpus.entries
        var requests: [Request] = []
        var ours: [(auto: QRCode, fixed: QRCode)] = []
        for entry in entries {
            let auto = try QRCode.encode(text: entry.text, errorCorrection: entry.errorCorrection, options: Self.options())
            var fixed = try QRCode.encode(text: entry.text, errorCorrection: entry.errorCorrection, options: Self.options(version: auto.version.number, mask: entry.mask))
            if let quirk = Self.segnoDataCodewords(entry, version: auto.version, level: entry.errorCorrection) {
                fixed = try QRCode(version: auto.version, errorCorrection: entry.errorCorrection, dataCodewords: quirk, mask: entry.mask)
            }
            ours.append((auto, fixed))
            let base = (hex: Hex.encode(entry.utf8), mode: entry.singleMode.description, error: entry.errorCorrection.letter)
            requests.append(Request(dataHex: base.hex, mode: base.mode, error: base.error, version: nil, mask: entry.mask.number))
            requests.append(Request(dataHex: base.hex, mode: base.mode, error: base.error, version: auto.version.number, mask: entry.mask.number))
        }
        let answers = try Self.segno(requests)
        var padded: [String] = []
        for (index, entry) in entries.enumerated() where entry.kind != "empty" {
            let automatic = answers[2 * index], explicit = answers[2 * index + 1]
            #expect(automatic.version == ours[index].auto.version.number, "automatic version for \(entry): \(automatic.error ?? "")")
            #expect(explicit.rows == Self.rows(ours[index].fixed), "matrix for \(entry)")
            if Self.segnoDataCodewords(entry, version: ours[index].auto.version, level: entry.errorCorrection) != nil {
                padded.append("\(entry)")
            }
        }
        print("segno pads an already aligned bit stream with an extra zero codeword in \(padded.count) of \(entries.count) cases; compared with segno's codewords there:")
        for line in padded { print("  " + line) }
    }

    /// Automatic mask choice. The standard leaves two points of the penalty
    /// rules open (see `MaskEvaluation`), and we read both differently from
    /// segno: we score the symbol as printed, with format and version
    /// information drawn (segno scores before drawing them), and we count
    /// overlapping finder-like sequences (segno's search skips past one).
    /// Every difference must come from those readings alone: scored segno's
    /// way, our encoder picks segno's mask. Each differing case is listed
    /// with the reading that explains it.
    @Test func automaticMasksEqualSegnosExceptWhereThePenaltyReadingsDiffer() throws {
        let entries = QRCorpus.entries.filter { $0.kind != "empty" }
        var requests: [Request] = []
        var ours: [QRCode] = []
        for entry in entries {
            let code = try QRCode.encode(text: entry.text, errorCorrection: entry.errorCorrection, options: Self.options())
            ours.append(code)
            requests.append(Request(dataHex: Hex.encode(entry.utf8), mode: entry.singleMode.description,
                                    error: entry.errorCorrection.letter, version: code.version.number, mask: nil))
        }
        let answers = try Self.segno(requests)
        let readings: [(String, MaskEvaluation)] = [
            ("format and version information drawn or not while scoring", MaskEvaluation(drawsFormatAndVersion: false, countsOverlappingPatterns: true)),
            ("overlapping finder-like sequences counted or not", MaskEvaluation(drawsFormatAndVersion: true, countsOverlappingPatterns: false)),
            ("both readings", .segno),
        ]
        var differences: [String] = []
        for (index, entry) in entries.enumerated() {
            let theirs = try #require(answers[index].mask)
            let code = ours[index]
            let segment = QRSegmentation.segment(entry.utf8, as: entry.singleMode)
            let segnoData = Self.segnoDataCodewords(entry, version: code.version, level: code.errorCorrection)
            if theirs == code.mask.number {
                let comparable = try segnoData.map { try QRCode(version: code.version, errorCorrection: code.errorCorrection, dataCodewords: $0, mask: code.mask) } ?? code
                #expect(answers[index].rows == Self.rows(comparable), "matrix with the automatic mask for \(entry)")
                continue
            }
            // Same data as segno's, scored each way: one reading must pick segno's mask.
            let data = segnoData ?? QRCode.dataCodewords([segment], version: code.version, level: code.errorCorrection)
            var reason: String?
            for (name, evaluation) in readings {
                let rescored = try QRCode(version: code.version, errorCorrection: code.errorCorrection, dataCodewords: data, mask: nil, evaluation: evaluation)
                if rescored.mask.number == theirs { reason = name; break }
            }
            #expect(reason != nil, "the mask for \(entry) differs from segno's for a reason other than the two readings")
            differences.append("\(entry): ours \(code.mask), segno \(theirs): \(reason ?? "UNEXPLAINED")")
        }
        print("Automatic mask differs from segno in \(differences.count) of \(entries.count) cases, each explained by a reading of §7.8.3:")
        for line in differences { print("  " + line) }
        // The readings agree far more often than not; a wholesale mismatch would mean a bug.
        #expect(differences.count * 3 < entries.count)
    }

    /// segno refuses empty input; we encode an empty numeric segment, which
    /// the decoders read back as empty text (DecoderRoundTripTests).
    @Test func emptyInputEncodesWhereSegnoRefuses() throws {
        let answers = try Self.segno([Request(dataHex: "", mode: "numeric", error: "M", version: nil, mask: nil)])
        #expect(answers[0].error != nil)
        let code = try QRCode.encode(text: "", errorCorrection: .medium, options: Self.options())
        #expect(code.version.number == 1)
    }
}
