@testable import Multipart
import Testing

/// The multipart reader on its own: a body reads the same however it is
/// cut into chunks, and each way a body can be malformed is refused.
@Suite struct MultipartParserTests {
    /// A body as a browser sends it: two text fields and a file whose bytes
    /// hold near-misses of the delimiter.
    static let file: [UInt8] = Array("%PDF-1.4\r\n--boundar\r\n--XyZ\r-\r\n--bound".utf8) + [0x00, 0xFF, 0x0D, 0x0A] + Array("%%EOF".utf8)
    static let body: [UInt8] =
        Array("--boundary42\r\nContent-Disposition: form-data; name=\"sex\"\r\n\r\nmale\r\n".utf8)
        + Array("--boundary42\r\nContent-Disposition: form-data; name=\"chinese_name\"\r\n\r\n林小明\r\n".utf8)
        + Array("--boundary42\r\nContent-Disposition: form-data; name=\"id_document\"; filename=\"身分證.pdf\"\r\nContent-Type: application/pdf\r\n\r\n".utf8)
        + file + Array("\r\n--boundary42--\r\n".utf8)

    /// The parts read from `body` fed in chunks of `size`: headers and whole content.
    static func parts(_ body: [UInt8], chunk size: Int, boundary: String = "boundary42") throws -> [(headers: [MultipartParser.Header], content: [UInt8])] {
        var parser = try MultipartParser(boundary: boundary)
        var parts: [(headers: [MultipartParser.Header], content: [UInt8])] = []
        var start = 0
        repeat {
            let end = min(start + size, body.count)
            for event in try parser.feed(body[start..<end]) {
                switch event {
                case .headers(let headers): parts.append((headers, []))
                case .content(let bytes): parts[parts.count - 1].content += bytes
                case .partEnded: break
                }
            }
            start = end
        } while start < body.count
        try parser.finish()
        return parts
    }

    @Test(arguments: [1, 2, 3, 7, 13, 61, 4_096])
    func aBodyReadsTheSameInChunksOfAnySize(_ size: Int) throws {
        let parts = try Self.parts(Self.body, chunk: size)
        #expect(parts.count == 3)
        #expect(parts.map { String(decoding: $0.content, as: UTF8.self) }.prefix(2) == ["male", "林小明"])
        #expect(parts[2].content == Self.file)
        #expect(parts[2].headers == [
            .init(name: "Content-Disposition", value: "form-data; name=\"id_document\"; filename=\"身分證.pdf\""),
            .init(name: "Content-Type", value: "application/pdf"),
        ])
    }

    /// Fuzzing's throughput found it: a header line fed a byte at a time
    /// was searched again from its start for every byte, so 8 KB of one
    /// line cost 32 million comparisons (five seconds in the sanitizer
    /// build), CPU a client could make the issuer spend by trickling.
    @Test func aHeaderLineFedAByteAtATimeIsScannedOnce() throws {
        let value = String(repeating: "a", count: 8_000)
        let body = Array("--b\r\nContent-Disposition: form-data; name=\"x\"\r\nX-Long: \(value)\r\n\r\nok\r\n--b--\r\n".utf8)
        var parser = try MultipartParser(boundary: "b")
        var headers: [MultipartParser.Header] = []
        for byte in body {
            for case .headers(let read) in try parser.feed([byte]) { headers = read }
        }
        try parser.finish()
        #expect(headers.last == .init(name: "X-Long", value: value))
        #expect(parser.bytesExamined <= 2 * body.count, "\(parser.bytesExamined) bytes compared for a body of \(body.count)")
    }

    @Test func aPreambleAnEpilogueAndTransportPaddingAreAllowed() throws {
        let body = Array("a preamble\r\n--b \t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--  \r\nan epilogue\r\n".utf8)
        let parts = try Self.parts(body, chunk: 5, boundary: "b")
        #expect(parts.map(\.content) == [Array("1".utf8)])
    }

    @Test func anEmptyPartAndAPartWithoutHeadersAreRead() throws {
        let parts = try Self.parts(Array("--b\r\n\r\n\r\n--b\r\nX: y\r\n\r\n\r\n--b--".utf8), chunk: 3, boundary: "b")
        #expect(parts.map(\.headers.count) == [0, 1])
        #expect(parts.allSatisfy { $0.content.isEmpty })
    }

    /// Malformed bodies (boundary "b") by what is wrong, with a word of the reason given.
    static let malformed: [String: (body: [UInt8], reason: String)] = [
        "no closing boundary": (Array("--b\r\nX: y\r\n\r\ncontent\r\n--b\r\n".utf8), "cut short"),
        "no boundary at all": (Array("just text".utf8), "cut short"),
        "bare LF line ends": (Array("--b\nX: y\n\ncontent\n--b--".utf8), "line end"),
        "a header name above 0x7F": (Array("--b\r\nContent-Disp".utf8) + [0xD2] + Array("osition: form-data\r\n\r\nx\r\n--b--".utf8), "header name"),
        "a folded header line": (Array("--b\r\nX: y\r\n z\r\n\r\nx\r\n--b--".utf8), "no name and colon"),
        "a header line without a colon": (Array("--b\r\nno colon here\r\n\r\nx\r\n--b--".utf8), "no name and colon"),
        "a header value that is not UTF-8": (Array("--b\r\nX: ".utf8) + [0xFF, 0xFE] + Array("\r\n\r\nx\r\n--b--".utf8), "not UTF-8"),
        "a control character in a header value": (Array("--b\r\nX: a\u{1}b\r\n\r\nx\r\n--b--".utf8), "control characters"),
        "the boundary inside content, followed by text": (Array("--b\r\nX: y\r\n\r\nab\r\n--bc\r\n--b--".utf8), "line end"),
        "headers over 8 KiB": (Array("--b\r\nX: \(String(repeating: "a", count: 8_200))\r\n\r\nx\r\n--b--".utf8), "longer than"),
        "17 headers": (Array(("--b\r\n" + String(repeating: "X: y\r\n", count: 17) + "\r\nx\r\n--b--").utf8), "more than 16 headers"),
        "a preamble over 8 KiB": (Array((String(repeating: "p", count: 9_000) + "\r\n--b\r\n\r\nx\r\n--b--").utf8), "does not start with its boundary"),
        "an epilogue over 8 KiB": (Array(("--b\r\n\r\nx\r\n--b--" + String(repeating: "e", count: 9_000)).utf8), "follow the closing boundary"),
    ]

    @Test(arguments: malformed.keys.sorted())
    func malformedBodiesAreRefusedWithTheirReason(_ name: String) throws {
        let (body, reason) = try #require(Self.malformed[name])
        for size in [1, 64, body.count] {
            #expect(throws: MultipartError.self, "chunks of \(size)") { _ = try Self.parts(body, chunk: size, boundary: "b") }
            do { _ = try Self.parts(body, chunk: size, boundary: "b") } catch {
                #expect("\(error)".contains(reason), "chunks of \(size): \(error)")
            }
        }
    }

    @Test func boundariesOutsideRFC2046AreRefused() {
        #expect(throws: MultipartError.self) { try MultipartParser(boundary: "") }
        #expect(throws: MultipartError.self) { try MultipartParser(boundary: String(repeating: "b", count: 71)) }
        #expect(throws: MultipartError.self) { try MultipartParser(boundary: "with space") }
    }

    @Test func contentComesOutChunkByChunkAndIsNotHeld() throws {
        // A 4 MiB file fed in 16 KiB chunks: each chunk's content comes out in
        // that chunk's events (only a tail that could begin a delimiter waits).
        var parser = try MultipartParser(boundary: "b")
        _ = try parser.feed(Array("--b\r\nX: y\r\n\r\n".utf8))
        let chunk = [UInt8](repeating: 0x41, count: 16_384)
        var out = 0
        for _ in 0..<256 {
            let events = try parser.feed(chunk)
            out += events.reduce(0) { if case .content(let bytes) = $1 { $0 + bytes.count } else { $0 } }
        }
        #expect(out == 256 * 16_384)
    }
}
