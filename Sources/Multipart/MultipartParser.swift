/// A streaming reader of a `multipart/form-data` body (RFC 7578 over the
/// multipart syntax of RFC 2046 §5.1.1), strict and bounded: CRLF line
/// ends only, header names of token characters, no folded header lines,
/// each part's headers at most `maximumHeaderBytes`, the preamble and the
/// epilogue at most `maximumPreambleBytes`. Feed the body in chunks of any
/// size; it answers with what each chunk completed. It holds no more than
/// one part's headers and a delimiter's length of body bytes.
public struct MultipartParser: Sendable {
    /// What a chunk completed, in order.
    public enum Event: Sendable, Equatable {
        /// A part's headers, as sent (names as written, values UTF-8).
        case headers([Header])
        /// Some of the current part's content.
        case content(ArraySlice<UInt8>)
        /// The current part's content ended.
        case partEnded
    }

    public struct Header: Sendable, Equatable {
        public let name: String
        public let value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public static let maximumHeaderBytes = 8_192
    public static let maximumHeadersPerPart = 16
    public static let maximumPreambleBytes = 8_192

    private enum State {
        /// Before the first delimiter; the bytes are ignored.
        case preamble(seen: Int)
        /// Just after a delimiter's boundary: "--" closes, else padding and CRLF.
        case afterDelimiter
        /// `searched`: bytes of the unfinished line already known to hold
        /// no line end, so a line fed a byte at a time is scanned once,
        /// not again from its start with every byte.
        case headers(read: [Header], bytes: Int, searched: Int)
        case content
        /// After the close delimiter; the bytes are ignored.
        case epilogue(seen: Int)
    }

    /// CRLF "--" boundary: what ends a part's content (and, with the CRLF a
    /// body is read as starting with, what ends the preamble).
    private let delimiter: [UInt8]
    private var state = State.preamble(seen: 0)
    /// Bytes fed but not yet decided on: a part of a line, or the tail of
    /// the content that could be the start of a delimiter.
    private var pending: [UInt8] = [0x0D, 0x0A]
    /// Bytes compared while looking for line ends and delimiters: a test
    /// checks it grows with the body, not with its square.
    private(set) var bytesExamined = 0

    /// `boundary` as the Content-Type names it: 1 to 70 characters (RFC 2046).
    public init(boundary: String) throws(MultipartError) {
        let bytes = Array(boundary.utf8)
        guard (1...70).contains(bytes.count), bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw MultipartError("the boundary must be 1 to 70 printable ASCII characters")
        }
        delimiter = [0x0D, 0x0A, 0x2D, 0x2D] + bytes
    }

    /// Whether the close delimiter has been read: a body that ends before
    /// it was cut short.
    public var isComplete: Bool {
        if case .epilogue = state { true } else { false }
    }

    /// Reads `chunk`; returns what it completed.
    public mutating func feed(_ chunk: some Collection<UInt8>) throws(MultipartError) -> [Event] {
        pending.append(contentsOf: chunk)
        var events: [Event] = []
        var position = 0
        // Each step consumes bytes or waits for more; a step that returns
        // nil has nothing more to decide in this chunk.
        while let next = try step(from: position, into: &events) {
            position = next
        }
        pending.removeFirst(position)
        return events
    }

    /// Checks that the body is whole: call after the last chunk.
    public func finish() throws(MultipartError) {
        guard isComplete else {
            throw MultipartError("the body ends before its closing boundary; it was cut short")
        }
    }

    /// One decision from `position` in `pending`: the new position, or nil
    /// when more bytes are needed.
    private mutating func step(from position: Int, into events: inout [Event]) throws(MultipartError) -> Int? {
        switch state {
        case .preamble(let seen):
            let found = find(delimiter, from: position)
            let skipped = found ?? keepingPossibleDelimiter(from: position)
            guard seen + (skipped - position) <= Self.maximumPreambleBytes else {
                throw MultipartError("the body does not start with its boundary within \(Self.maximumPreambleBytes) bytes")
            }
            if let found {
                state = .afterDelimiter
                return found + delimiter.count
            }
            state = .preamble(seen: seen + (skipped - position))
            return skipped == position ? nil : skipped

        case .afterDelimiter:
            var index = position
            guard index + 2 <= pending.count else { return nil }
            if pending[index] == 0x2D, pending[index + 1] == 0x2D {
                state = .epilogue(seen: 0)
                return index + 2
            }
            // Transport padding (RFC 2046), then the line end.
            while index < pending.count, pending[index] == 0x20 || pending[index] == 0x09 {
                index += 1
                guard index - position <= 64 else { throw MultipartError("a boundary line has more than 64 spaces after it") }
            }
            guard index + 2 <= pending.count else { return nil }
            guard pending[index] == 0x0D, pending[index + 1] == 0x0A else {
                throw MultipartError("a boundary is followed by something other than a line end")
            }
            state = .headers(read: [], bytes: 0, searched: 0)
            return index + 2

        case .headers(var read, let bytes, let searched):
            guard let lineEnd = find([0x0D, 0x0A], from: position + searched) else {
                guard bytes + (pending.count - position) <= Self.maximumHeaderBytes else {
                    throw MultipartError("a part's headers are longer than \(Self.maximumHeaderBytes) bytes")
                }
                // All but the last byte, which may be a CR whose LF is still to come.
                state = .headers(read: read, bytes: bytes, searched: max(0, pending.count - position - 1))
                return nil
            }
            let total = bytes + (lineEnd + 2 - position)
            guard total <= Self.maximumHeaderBytes else {
                throw MultipartError("a part's headers are longer than \(Self.maximumHeaderBytes) bytes")
            }
            if lineEnd == position {
                events.append(.headers(read))
                state = .content
                return lineEnd + 2
            }
            guard read.count < Self.maximumHeadersPerPart else {
                throw MultipartError("a part has more than \(Self.maximumHeadersPerPart) headers")
            }
            read.append(try Self.header(pending[position..<lineEnd]))
            state = .headers(read: read, bytes: total, searched: 0)
            return lineEnd + 2

        case .content:
            if let found = find(delimiter, from: position) {
                if found > position { events.append(.content(pending[position..<found])) }
                events.append(.partEnded)
                state = .afterDelimiter
                return found + delimiter.count
            }
            let kept = keepingPossibleDelimiter(from: position)
            guard kept > position else { return nil }
            events.append(.content(pending[position..<kept]))
            return kept

        case .epilogue(let seen):
            let count = pending.count - position
            guard count > 0 else { return nil }
            guard seen + count <= Self.maximumPreambleBytes else {
                throw MultipartError("more than \(Self.maximumPreambleBytes) bytes follow the closing boundary")
            }
            state = .epilogue(seen: seen + count)
            return pending.count
        }
    }

    /// Where `needle` starts in `pending` at or after `position`.
    private mutating func find(_ needle: [UInt8], from position: Int) -> Int? {
        guard pending.count - position >= needle.count else { return nil }
        var start = position
        let last = pending.count - needle.count
        defer { bytesExamined += start - position }
        while start <= last {
            // Every needle here starts with CR: skip to the next one.
            guard pending[start] == needle[0] else { start += 1; continue }
            var matched = 1
            while matched < needle.count, pending[start + matched] == needle[matched] { matched += 1 }
            if matched == needle.count { return start }
            start += 1
        }
        return nil
    }

    /// How far the bytes from `position` can be decided as not part of a
    /// delimiter: all but a tail that could still begin one (no delimiter
    /// starts earlier, or `find` would have found it whole).
    private func keepingPossibleDelimiter(from position: Int) -> Int {
        var start = max(position, pending.count - (delimiter.count - 1))
        while start < pending.count, !pending[start...].elementsEqual(delimiter.prefix(pending.count - start)) { start += 1 }
        return start
    }

    /// `name: value`, the name of token characters (RFC 9110 §5.6.2), the
    /// value UTF-8 without control characters, spaces around it dropped.
    static func header(_ line: ArraySlice<UInt8>) throws(MultipartError) -> Header {
        guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex else {
            throw MultipartError("a part's header line has no name and colon")
        }
        let name = line[line.startIndex..<colon]
        guard name.allSatisfy(isTokenCharacter) else {
            throw MultipartError("a part's header name holds a character a header name may not have")
        }
        var value = line[(colon + 1)...]
        while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
        guard value.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }), let text = String(validating: value, as: UTF8.self) else {
            throw MultipartError("a part's header value holds control characters or is not UTF-8")
        }
        return Header(name: String(decoding: name, as: UTF8.self), value: text)
    }

    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}

/// Why a multipart body cannot be read.
public struct MultipartError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
