import FileChecks
import Foundation
import TestSupport
import Testing

/// Review 2, #14: a file is judged by its structure, not by a magic number
/// and an end marker; what follows an image's end is not kept.
@Suite("Uploaded files' structure")
struct FileStructureCheckTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: ProjectPaths.packageRoot.appendingPathComponent("Tests/Fixtures/\(name)")))
    }

    /// What a check accepted: the file's kind and how many of its bytes are kept.
    struct Accepted: Equatable {
        let kind: FileStructureCheck.Kind
        let kept: Int
    }

    /// Feeds `bytes` in pieces of `chunk`; the kind and the bytes kept, or the error.
    static func check(_ bytes: [UInt8], allowed: Set<FileStructureCheck.Kind> = Set(FileStructureCheck.Kind.allCases),
                      chunk: Int = 1_000) -> Result<Accepted, FileStructureError> {
        var check = FileStructureCheck(allowed: allowed)
        var kept = 0
        do {
            var start = 0
            while start < bytes.count {
                let end = min(start + chunk, bytes.count)
                kept += try check.feed(bytes[start..<end])
                start = end
            }
            return .success(Accepted(kind: try check.finish(), kept: kept))
        } catch {
            return .failure(error)
        }
    }

    @Test(arguments: [("photo.jpg", FileStructureCheck.Kind.jpeg), ("photo-progressive.jpg", .jpeg), ("photo.png", .png), ("id-document.pdf", .pdf)])
    func filesMadeByAnIndependentEncoderPassWhole(name: String, kind: FileStructureCheck.Kind) throws {
        let bytes = try Self.fixture(name)
        for chunk in [1, 7, 64, 100_000] {
            let result = try Self.check(bytes, chunk: chunk).get()
            #expect(result == Accepted(kind: kind, kept: bytes.count), "\(name) in pieces of \(chunk)")
        }
    }

    @Test func theReviewsPolyglotIsRefused() throws {
        // A JPEG magic, an HTML page, a ZIP's local header, and FF D9 (review 2, p3_content.py).
        let polyglot = [0xFF, 0xD8, 0xFF, 0xE0] + Array("<html><script>alert(1)</script></html>".utf8) + [0x50, 0x4B, 0x03, 0x04]
            + [UInt8](repeating: 0, count: 26) + [0xFF, 0xD9]
        guard case .failure = Self.check(polyglot) else { Issue.record("the polyglot passed as a JPEG"); return }
        // An HTML page behind a PNG signature.
        let png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array("<html></html>".utf8) + [0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
        guard case .failure = Self.check(png) else { Issue.record("an HTML page passed as a PNG"); return }
    }

    @Test func whatFollowsAnImagesEndIsNotKept() throws {
        let trailer = Array("PK\u{3}\u{4} a motion photo's video, or a polyglot's payload".utf8)
        for name in ["photo.jpg", "photo-progressive.jpg", "photo.png"] {
            let image = try Self.fixture(name)
            for chunk in [1, 13, 100_000] {
                let kept = try Self.check(image + trailer, chunk: chunk).get().kept
                #expect(kept == image.count, "\(name) in pieces of \(chunk)")
            }
        }
    }

    @Test func damagedAndCutFilesAreRefusedWithTheReason() throws {
        let jpeg = try Self.fixture("photo.jpg"), png = try Self.fixture("photo.png")
        #expect(Self.check(Array(jpeg.dropLast(2))) == .failure(.truncated("the JPEG has no end marker (FF D9)")))
        #expect(Self.check(Array(png.dropLast(12))) == .failure(.truncated("the PNG has no IEND chunk")))
        // One bit of the IHDR's data flipped: its CRC no longer matches.
        var flipped = png
        flipped[20] ^= 0x01
        #expect(Self.check(flipped) == .failure(.malformed("chunk IHDR has a wrong CRC")))
        // The end marker straight after the start: no image in between.
        #expect(Self.check([0xFF, 0xD8, 0xFF, 0xD9, 0, 0, 0, 0]) == .failure(.malformed("the end marker comes before any image data")))
        #expect(Self.check(Array("%PDF-1.7\n1 0 obj\n".utf8)) == .failure(.truncated("the PDF has no %%EOF in its last KiB")))
        #expect(Self.check(Array("GIF89a......".utf8)) == .failure(.unrecognised))
        #expect(Self.check([0xFF, 0xD8]) == .failure(.unrecognised))
        // A kind the field does not take is refused on its first bytes.
        #expect(Self.check(try Self.fixture("id-document.pdf"), allowed: [.jpeg, .png]) == .failure(.unrecognised))
    }

    @Test func noMutationOfAValidFileCrashesOrRunsAway() throws {
        var random = SeededRandom(seed: 0x1F11E)
        let sources = [try Self.fixture("photo.jpg"), try Self.fixture("photo-progressive.jpg"), try Self.fixture("photo.png")]
        var refused = 0
        for round in 0..<3_000 {
            var bytes = sources[round % sources.count]
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let at = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 3 {
                case 0: bytes[at] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes.remove(at: at)
                default: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: at)
                }
            }
            switch Self.check(bytes, chunk: 1 + Int(random.next() % 300)) {
            case .success(let accepted): #expect(accepted.kept <= bytes.count)
            case .failure: refused += 1
            }
        }
        // Most mutations break a length, a marker or a CRC.
        #expect(refused > 1_000)
    }
}
