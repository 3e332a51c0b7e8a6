/// Checks an uploaded file's structure as it streams in, so that "a JPEG"
/// means a JPEG from its start marker to its end marker, not a magic
/// number in front of anything (review 2, #14: an HTML page and a ZIP
/// behind `FF D8 FF` passed as a photo).
///
/// - JPEG: every marker segment with its length, the entropy-coded data of
///   each scan, a frame header and a scan before the end marker.
/// - PNG: the signature, then chunks with their lengths and CRC-32s,
///   `IHDR` first, at least one `IDAT`, `IEND` last.
/// - PDF: the `%PDF-` header and an `%%EOF` in the last KiB (a PDF's
///   structure is too large to walk here; it is served only as an
///   attachment in a sandbox).
///
/// Bytes after a JPEG's or PNG's end marker are not part of the image: a
/// phone's appended "motion photo" video as much as a polyglot's payload.
/// ``feed(_:)`` says how many bytes of each chunk belong to the file, so
/// the caller stores the image and drops the rest.
public struct FileStructureCheck: Sendable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case jpeg, png, pdf
    }

    private enum State: Sendable {
        case detecting([UInt8])
        case jpeg(JPEGStructure)
        case png(PNGStructure)
        case pdf(tail: [UInt8])
    }

    private var state: State = .detecting([])
    /// The kinds the caller accepts; anything else is refused on sight.
    private let allowed: Set<Kind>

    public init(allowed: Set<Kind>) {
        self.allowed = allowed
    }

    /// The kind, once the first bytes have shown it.
    public var kind: Kind? {
        switch state {
        case .detecting: nil
        case .jpeg: .jpeg
        case .png: .png
        case .pdf: .pdf
        }
    }

    /// Reads the next bytes; returns how many of them (from the start) are
    /// part of the file. Throws as soon as the structure is wrong.
    public mutating func feed(_ bytes: ArraySlice<UInt8>) throws(FileStructureError) -> Int {
        switch state {
        case .detecting(var head):
            let needed = 8 - head.count
            head += bytes.prefix(needed)
            guard head.count == 8 else {
                // A file shorter than eight bytes is nothing we accept; say so at finish.
                try Self.checkPrefix(head, allowed: allowed)
                state = .detecting(head)
                return bytes.count
            }
            try start(with: head)
            let rest = bytes.dropFirst(needed)
            return needed + (try feed(rest))
        case .jpeg(var jpeg):
            let kept = try jpeg.feed(bytes)
            state = .jpeg(jpeg)
            return kept
        case .png(var png):
            let kept = try png.feed(bytes)
            state = .png(png)
            return kept
        case .pdf(let tail):
            state = .pdf(tail: Array((tail + bytes.suffix(1_024)).suffix(1_024)))
            return bytes.count
        }
    }

    /// The file has ended: its kind, or why it is not a complete file.
    public func finish() throws(FileStructureError) -> Kind {
        switch state {
        case .detecting: throw .unrecognised
        case .jpeg(let jpeg): try jpeg.finish(); return .jpeg
        case .png(let png): try png.finish(); return .png
        case .pdf(let tail):
            guard Self.contains(tail, Array("%%EOF".utf8)) else { throw .truncated("the PDF has no %%EOF in its last KiB") }
            return .pdf
        }
    }

    private mutating func start(with head: [UInt8]) throws(FileStructureError) {
        try Self.checkPrefix(head, allowed: allowed)
        if head.starts(with: Self.jpegStart) {
            var jpeg = JPEGStructure()
            _ = try jpeg.feed(head[...])
            state = .jpeg(jpeg)
        } else if head.starts(with: PNGStructure.signature) {
            var png = PNGStructure()
            _ = try png.feed(head[...])
            state = .png(png)
        } else {
            state = .pdf(tail: head)
        }
    }

    static let jpegStart: [UInt8] = [0xFF, 0xD8, 0xFF]
    static let pdfStart = Array("%PDF-".utf8)

    /// Refuses a start that can be none of the allowed kinds.
    private static func checkPrefix(_ head: [UInt8], allowed: Set<Kind>) throws(FileStructureError) {
        let starts: [(Kind, [UInt8])] = [(.jpeg, jpegStart), (.png, PNGStructure.signature), (.pdf, pdfStart)]
        let possible = starts.contains { kind, magic in
            allowed.contains(kind) && zip(head, magic).allSatisfy { $0 == $1 }
        }
        guard possible else { throw .unrecognised }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
    }
}

/// Why a file is not what it claims, in words for the uploader's error.
public enum FileStructureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Its first bytes are no allowed kind's.
    case unrecognised
    /// It ended before its end marker.
    case truncated(String)
    /// A length, marker or checksum is wrong.
    case malformed(String)

    public var description: String {
        switch self {
        case .unrecognised: "its first bytes are not those of an accepted file type"
        case .truncated(let detail): "it is incomplete: \(detail)"
        case .malformed(let detail): "it is damaged: \(detail)"
        }
    }
}
