import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import QREncoder
import TestSupport
import Testing

/// Each renderer, read back into modules and compared with the matrix.
@Suite(.onItsOwnThread) struct QRRendererTests {
    static let samples: [QRCode] = {
        let texts = ["", "AC1:RRQT 9P60GO0GMP4.HN", "林○明 A000001234", String(repeating: "0123456789", count: 60)]
        return texts.map { try! QRCode.encode(text: $0, errorCorrection: .medium) }
    }()

    /// The symbol with its quiet zone, as rows of "0"/"1" scaled by `scale`.
    static func expectedRows(_ code: QRCode, scale: Int) -> [String] {
        let zone = QRCode.quietZone
        return (-zone..<(code.size + zone)).flatMap { y in
            let row = String((-zone..<(code.size + zone)).flatMap { x in
                Array(repeating: code.isDark(x: x, y: y) ? Character("1") : Character("0"), count: scale)
            })
            return Array(repeating: row, count: scale)
        }
    }

    struct Inspected: Decodable {
        let width: Int?
        let height: Int?
        let mode: String?
        let rows: [String]?
        let error: String?
    }

    static func pillow(_ files: [URL]) throws -> [Inspected] {
        try JSONDecoder().decode([Inspected].self, from: ExternalTool.python("png_pixels.py", files.map(\.path)))
    }

    @Test func pngIsReadByPillowPixelForPixelAtAnyScale() throws {
        let directory = try ProjectPaths.temporaryDirectory("png")
        defer { try? FileManager.default.removeItem(at: directory) }
        var files: [URL] = [], expected: [(Int, [String])] = []
        for (index, code) in Self.samples.enumerated() {
            // Scales that make rows of 1–7 leftover bits, and 1 pixel per module.
            for scale in [1, 3, 5, 8] {
                let url = directory.appendingPathComponent("\(index)-\(scale).png")
                try Data(code.png(moduleSize: scale)).write(to: url)
                files.append(url)
                expected.append(((code.size + 8) * scale, Self.expectedRows(code, scale: scale)))
            }
        }
        let read = try Self.pillow(files)
        try #require(read.count == files.count)
        for (result, (side, rows)) in zip(read, expected) {
            #expect(result.error == nil, "\(result.error ?? "")")
            #expect(result.width == side && result.height == side)
            #expect(result.mode == "1", "a 1-bit grayscale image")
            #expect(result.rows == rows)
        }
    }

    /// The validation is real: a PNG with one bit changed in the image
    /// data, a CRC or the Adler-32 is refused.
    @Test func corruptedPNGsAreRefused() throws {
        let directory = try ProjectPaths.temporaryDirectory("png")
        defer { try? FileManager.default.removeItem(at: directory) }
        let png = try Self.samples[1].png(moduleSize: 4)
        // IHDR's CRC ends at byte 32; compressed data starts at 43; IEND
        // takes the last 12 bytes, before them IDAT's CRC and then the
        // zlib stream's Adler-32.
        let offsets = ["IHDR CRC": 32, "image data": 45, "Adler-32": png.count - 17, "IDAT CRC": png.count - 13]
        var urls: [URL] = []
        for (name, offset) in offsets.sorted(by: { $0.value < $1.value }) {
            var corrupted = png
            corrupted[offset] ^= 0x01
            let url = directory.appendingPathComponent("\(name).png")
            try Data(corrupted).write(to: url)
            urls.append(url)
        }
        for (url, result) in zip(urls, try Self.pillow(urls)) {
            #expect(result.error != nil, "\(url.lastPathComponent) was accepted")
        }
        #expect(try Self.pillow([directory.appendingPathComponent("missing.png")])[0].error != nil)
    }

    @Test func svgIsOnePathWhoseRunsRedrawTheMatrix() throws {
        for code in Self.samples {
            let svg = code.svg(moduleSize: 6)
            let side = code.size + 2 * QRCode.quietZone
            #expect(svg.components(separatedBy: "<path").count == 2, "exactly one path")
            #expect(svg.contains("viewBox=\"0 0 \(side) \(side)\""))
            #expect(svg.contains("width=\"\(side * 6)\""))
            #expect(svg.contains("shape-rendering=\"crispEdges\""))
            #expect(try XMLDocument(xmlString: svg).rootElement()?.name == "svg", "well-formed XML")

            // Each subpath is "M x y h w v1 h-w z": redraw them.
            let path = try #require(svg.split(separator: "d=\"").last?.split(separator: "\"").first)
            var drawn = Array(repeating: Array(repeating: Character("0"), count: side), count: side)
            for run in path.split(separator: "M") {
                let numbers = run.split(whereSeparator: { !"0123456789".contains($0) }).compactMap { Int($0) }
                try #require(numbers.count >= 3)
                let (x, y, width) = (numbers[0], numbers[1], numbers[2])
                for column in x..<(x + width) {
                    #expect(drawn[y][column] == "0", "modules are drawn once")
                    drawn[y][column] = "1"
                }
            }
            #expect(drawn.map { String($0) } == Self.expectedRows(code, scale: 1))
        }
    }

    @Test func terminalHalfBlocksRedrawTheMatrix() throws {
        for code in Self.samples {
            let side = code.size + 2 * QRCode.quietZone
            let plain = code.terminal(colors: false)
            let lines = plain.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(lines.count == (side + 1) / 2)
            var rows: [String] = []
            for line in lines {
                #expect(line.count == side)
                rows.append(String(line.map { "█▀".contains($0) ? "1" : "0" }))
                rows.append(String(line.map { "█▄".contains($0) ? "1" : "0" }))
            }
            #expect(Array(rows.prefix(side)) == Self.expectedRows(code, scale: 1))

            // Inverted output swaps dark and light; colour output wraps each line.
            let inverted = code.terminal(colors: false, invert: true)
            #expect(inverted.first == "█", "the quiet zone is drawn solid when inverted")
            let coloured = code.terminal()
            #expect(coloured.hasPrefix("\u{1B}[30;107m"))
            #expect(coloured.split(separator: "\n").allSatisfy { $0.hasSuffix("\u{1B}[0m") })
        }
    }
}
