import Foundation
@testable import QREncoder
import TestSupport

/// One input of the interop corpus.
struct QRCorpusEntry: Sendable, CustomStringConvertible {
    /// What kind of text: numeric, alphanumeric, ascii, utf8, mixed, ac1, empty.
    let kind: String
    let text: String
    let errorCorrection: QRErrorCorrection
    /// The mask the explicit-mask comparison uses.
    let mask: QRMask

    var utf8: [UInt8] { Array(text.utf8) }
    /// The one mode that holds the whole text, as segno is told to use.
    var singleMode: QRMode { QRSegmentation.singleMode(utf8) }

    var description: String {
        "\(kind) \(text.utf8.count) bytes at \(errorCorrection): \(text.prefix(24))\(text.count > 24 ? "…" : "")"
    }
}

/// The corpus: for every version and every level, text of each kind sized
/// to need exactly that version (sometimes filling it to the last bit), plus
/// mixed text, the AC1 vector tokens, and empty input. About 760 entries.
enum QRCorpus {
    static let entries: [QRCorpusEntry] = build()

    /// Characters `mode` fits in `version` at `level` as a single segment.
    static func capacity(_ mode: QRMode, _ version: QRVersion, _ level: QRErrorCorrection) -> Int {
        let bits = version.dataCapacityBits(level) - 4 - mode.characterCountBits(version)
        switch mode {
        case .numeric: return bits / 10 * 3 + (bits % 10 >= 7 ? 2 : bits % 10 >= 4 ? 1 : 0)
        case .alphanumeric: return bits / 11 * 2 + (bits % 11 >= 6 ? 1 : 0)
        case .byte: return bits / 8
        }
    }

    private static func build() -> [QRCorpusEntry] {
        var random = SeededRandom(seed: 18004)
        var entries: [QRCorpusEntry] = []
        func add(_ kind: String, _ text: String, _ level: QRErrorCorrection) {
            entries.append(QRCorpusEntry(kind: kind, text: text, errorCorrection: level, mask: QRMask.all[entries.count % 8]))
        }
        let digits = Array("0123456789")
        let alphanumerics = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
        let ascii = Array("abcdefghijklmnopqrstuvwxyz0123456789 !\"#&'()=?@[]^_{|}~,;<>ABCXYZ")
        let wide: [Character] = ["林", "明", "陳", "華", "校", "友", "é", "ü", "○", "😀"]

        for version in QRVersion.all {
            for level in QRErrorCorrection.allCases {
                for mode in QRMode.allCases {
                    let high = capacity(mode, version, level)
                    let low = version.number == 1 ? 1 : capacity(mode, QRVersion(uncheckedNumber: version.number - 1), level) + 1
                    // A third of the entries fill the version exactly; the rest land inside it.
                    let fill = (version.number + level.rawValue + mode.rawValue) % 3 == 0
                    let length = fill ? high : Int.random(in: min(low, high)...high, using: &random)
                    switch mode {
                    case .numeric:
                        add("numeric", String((0..<length).map { _ in digits.randomElement(using: &random)! }), level)
                    case .alphanumeric:
                        add("alphanumeric", String((0..<length).map { _ in alphanumerics.randomElement(using: &random)! }), level)
                    case .byte:
                        // Lowercase first, so byte mode is the only single mode.
                        add("ascii", "a" + String((1..<max(1, length)).map { _ in ascii.randomElement(using: &random)! }), level)
                        var text = "é"
                        while true {
                            let next = (Int.random(in: 0..<3, using: &random) == 0 ? ascii : wide).randomElement(using: &random)!
                            if (text + String(next)).utf8.count > length { break }
                            text.append(next)
                        }
                        add("utf8", text, level)
                    }
                }
            }
        }
        // Mixed text, where the optimal segmentation differs from one mode.
        let mixedParts = ["ALUMNI CARD ", "0123456789012345", "林○明", "https://example.org/a?b=c", "A1B2C3", "42", "NTU/2027:", "ünïcödé"]
        for index in 0..<48 {
            var text = ""
            for _ in 0..<Int.random(in: 1...12, using: &random) { text += mixedParts.randomElement(using: &random)! }
            add("mixed", text, QRErrorCorrection.allCases[index % 4])
        }
        // The AC1 vector tokens, as the issuer renders them.
        if let tokens = try? TokenVectors.texts() {
            for token in tokens { add("ac1", token, .medium) }
        }
        for level in QRErrorCorrection.allCases { add("empty", "", level) }
        return entries
    }
}

/// The QR texts of `../shared/vectors/ac1/tokens.json`.
enum TokenVectors {
    static func texts() throws -> [String] {
        let data = try Data(contentsOf: ProjectPaths.ac1Vector("tokens.json"))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let vectors = object?["vectors"] as? [[String: Any]] ?? []
        return vectors.compactMap { $0["token"] as? String }
    }
}
