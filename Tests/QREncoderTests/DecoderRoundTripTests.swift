import Foundation
import QREncoder
import TestSupport
import Testing

/// Our PNGs, read back by two decoders written independently of us: every
/// corpus entry by zxing-cpp (through Pillow, which also checks the PNG's
/// CRCs and zlib stream), and a sample by zbarimg. Text is encoded the way
/// the app encodes it, with optimal segmentation, so mixed-mode symbols
/// are decoded too.
@Suite(.serialized, .onItsOwnThread) struct DecoderRoundTripTests {
    struct Decoded: Decodable {
        let text: String?
        let bytesHex: String?
        let error: String?
    }

    /// Writes one PNG per entry and returns their paths.
    static func writeImages(_ entries: [QRCorpusEntry], into directory: URL) throws -> [String] {
        try entries.enumerated().map { index, entry in
            let code = try QRCode.encode(text: entry.text, errorCorrection: entry.errorCorrection)
            let url = directory.appendingPathComponent("\(index).png")
            try Data(code.png(moduleSize: 3)).write(to: url)
            return url.path
        }
    }

    @Test func zxingDecodesEveryCorpusEntryToTheExactInput() throws {
        let entries = QRCorpus.entries
        let directory = try ProjectPaths.temporaryDirectory("zxing")
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = try Self.writeImages(entries, into: directory)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let results = try decoder.decode([Decoded].self, from: ExternalTool.python("zxing_decode.py", paths))
        try #require(results.count == entries.count)
        for (entry, result) in zip(entries, results) {
            // zxing-cpp treats a symbol with no content as unreadable
            // (whoever encoded it: it refuses python-qrcode's empty symbol
            // the same way), so empty input is left to zbarimg below.
            if entry.kind == "empty" {
                #expect(result.error != nil)
                continue
            }
            #expect(result.error == nil, "zxing could not read \(entry): \(result.error ?? "")")
            // The bytes are what the symbol holds; the text is zxing's reading
            // of them, which for byte mode without an ECI is a guess at the
            // character set, and it guesses UTF-8 for valid UTF-8.
            #expect(result.bytesHex == Hex.encode(entry.utf8), "bytes for \(entry)")
            #expect(result.text == entry.text, "text for \(entry)")
        }
    }

    @Test func zbarimgDecodesASampleToTheExactInput() throws {
        let zbarimg = URL(fileURLWithPath: "/usr/bin/zbarimg")
        // Every kind, including all AC1 tokens, non-ASCII and empty text;
        // zbar is one process per image, so a sample keeps the suite quick.
        let entries = QRCorpus.entries.enumerated().filter { index, entry in
            ["ac1", "mixed", "empty"].contains(entry.kind) || index % 13 == 0
        }.map(\.element)
        #expect(entries.count >= 60)
        #expect(entries.contains { $0.kind == "utf8" })
        let directory = try ProjectPaths.temporaryDirectory("zbar")
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = try Self.writeImages(entries, into: directory)
        for (entry, path) in zip(entries, paths) {
            // -Sbinary prints the symbol's bytes exactly, with no newline and
            // no character-set conversion.
            let result = try ExternalTool.runCollecting(zbarimg, ["--raw", "-q", "-Sbinary", path])
            #expect(result.status == 0, "zbarimg could not read \(entry): \(result.standardError)")
            #expect(Array(result.standardOutput) == entry.utf8, "bytes for \(entry)")
        }
    }
}
