import Foundation
import TestSupport
import Testing

/// `alumnicard qr`, run as a user would run it, its output read back by
/// zbarimg where it is an image.
@Suite(.onItsOwnThread) struct QRCommandTests {
    let alumnicard = ProjectPaths.builtProduct("alumnicard")
    let zbarimg = URL(fileURLWithPath: "/usr/bin/zbarimg")
    let token = "AC1:RRQT 9P60GO0GMP4.HN 7KAOL$FO09:RQ:PE2E3"

    func run(_ arguments: [String], input: String = "", in directory: URL) throws -> ExternalTool.Result {
        try ExternalTool.runCollecting(alumnicard, arguments, input: Data(input.utf8), currentDirectory: directory)
    }

    func decode(_ path: URL) throws -> String {
        let result = try ExternalTool.runCollecting(zbarimg, ["--raw", "-q", "-Sbinary", path.path])
        #expect(result.status == 0, "zbarimg: \(result.standardError)")
        return result.output
    }

    @Test func pngFromArgumentAndFromStandardInputDecodeToTheText() throws {
        let directory = try ProjectPaths.temporaryDirectory("qr")
        defer { try? FileManager.default.removeItem(at: directory) }
        let fromArgument = try run(["qr", token, "--out", "a.png", "--ecc", "Q", "--scale", "4"], in: directory)
        #expect(fromArgument.status == 0, "\(fromArgument.standardError)")
        #expect(try decode(directory.appendingPathComponent("a.png")) == token)

        // One trailing newline from a pipe is dropped; the format comes from --format.
        let fromInput = try run(["qr", "--format", "png", "--out", "b.img"], input: token + "\n", in: directory)
        #expect(fromInput.status == 0, "\(fromInput.standardError)")
        #expect(try decode(directory.appendingPathComponent("b.img")) == token)
    }

    @Test func svgGoesToStandardOutputAndTerminalIsTheDefault() throws {
        let directory = try ProjectPaths.temporaryDirectory("qr")
        defer { try? FileManager.default.removeItem(at: directory) }
        let svg = try run(["qr", token, "--format", "svg"], in: directory)
        #expect(svg.status == 0)
        #expect(svg.output.contains("<svg"))
        let term = try run(["qr", token], in: directory)
        #expect(term.status == 0)
        #expect(term.output.contains("▀") && term.output.contains("\u{1B}[30;107m"))
        let plain = try run(["qr", token, "--invert"], in: directory)
        #expect(!plain.output.contains("\u{1B}["))
    }

    @Test func badRequestsAreRefusedWithAClearMessageAndStatus() throws {
        let directory = try ProjectPaths.temporaryDirectory("qr")
        defer { try? FileManager.default.removeItem(at: directory) }
        let ecc = try run(["qr", "x", "--ecc", "X"], in: directory)
        #expect(ecc.status == 2)
        #expect(ecc.standardError.contains("--ecc must be L, M, Q or H"))
        #expect(try run(["qr", "x", "--scale", "0"], in: directory).status == 2)
        #expect(try run(["qr", "x", "--version", "41"], in: directory).status == 2)

        let tooLong = try run(["qr", String(repeating: "a", count: 1274), "--ecc", "H"], in: directory)
        #expect(tooLong.status == 1)
        #expect(tooLong.standardError.contains("needs 10212 bits"))
        #expect(tooLong.standardError.contains("holds 10208 bits"))

        let fixedVersion = try run(["qr", String(repeating: "a", count: 20), "--version", "1"], in: directory)
        #expect(fixedVersion.status == 1)
        #expect(fixedVersion.standardError.contains("version 1"))

        let huge = try run(["qr"], input: String(repeating: "9", count: 9000), in: directory)
        #expect(huge.status == 2)
        #expect(huge.standardError.contains("longer than 8192 bytes"))
    }
}
