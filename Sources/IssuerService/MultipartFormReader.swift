import DaemonSupport
import FileChecks
import Foundation
import HTTPTypes
import Hummingbird
import IssuerCore
import IssuerStore
import Multipart
import NIOCore
import NIOPosix

/// Reads a `multipart/form-data` request body as it streams in, with our
/// strict ``MultipartParser``: text fields kept in memory (each bounded),
/// files sealed straight into the ``DocumentStore`` (each bounded, its
/// type checked by content), the whole body bounded. Nothing is held in
/// memory beyond a chunk and the text fields.
package struct MultipartFormReader: Sendable {
    package typealias FileRule = UploadRule
    package typealias File = UploadedFile
    package typealias Form = UploadedForm

    let textFields: Set<String>
    let fileRules: [String: FileRule]
    let maximumFieldBytes: Int
    let documents: any DocumentStore

    package init(textFields: Set<String>, fileRules: [String: FileRule], maximumFieldBytes: Int, documents: any DocumentStore) {
        self.textFields = textFields
        self.fileRules = fileRules
        self.maximumFieldBytes = maximumFieldBytes
        self.documents = documents
    }

    /// The most a body may carry: every file at its largest, the text fields, headers.
    var maximumBody: Int {
        fileRules.values.reduce(0) { $0 + $1.maximumBytes } + (textFields.count + 4) * maximumFieldBytes + 64 * 1024
    }

    /// What must hold before the first byte of a file is read: given every
    /// text field (they come first), it throws to refuse the form. The
    /// human check, a page's CSRF token and the per-person limits live
    /// here, so a refused request costs no disk and no sealing (review 2, #8).
    package typealias Gate = @Sendable (_ fields: [String: String]) async throws -> Void

    /// Reads the whole body within `deadline`, passing `gate` before the
    /// first file part (or at the end, when there is none). On any error
    /// the files written so far are deleted.
    func read(_ request: Request, deadline: Duration, gate: Gate) async throws -> Form {
        let upload = try begin(contentType: request.headers[.contentType], contentLength: request.headers[.contentLength].flatMap(Int.init))
        // A whole-body deadline, since the idle timeout restarts with every
        // byte and a trickling client would otherwise hold its slot for
        // ever (review 2, #3). Checked as each chunk arrives; a client that
        // goes silent is closed by the server's idle timeout.
        let clock = ContinuousClock(), end = clock.now.advanced(by: deadline)
        do {
            var chunks = request.body.makeAsyncIterator()
            while true {
                let next: ByteBuffer?
                // A client that drops the connection mid-body is the client's
                // failure, not the server's: a 400, never a logged 500 (review 2, #15).
                do { next = try await chunks.next() } catch { throw Self.incomplete }
                guard let chunk = next else { break }
                guard clock.now <= end else { throw Self.tooSlow(deadline) }
                // Sealing writes to disk: off the cooperative threads.
                var waiting = try await NIOThreadPool.singleton.runIfActive { try upload.feed(chunk) }
                while let fields = waiting {
                    try await gate(fields)
                    waiting = try await NIOThreadPool.singleton.runIfActive { try upload.openGate() }
                }
            }
            let form = try await NIOThreadPool.singleton.runIfActive { try upload.finish() }
            if !upload.gateOpened { try await gate(form.fields) }
            return form
        } catch {
            upload.discardAll()
            throw error
        }
    }

    static func tooSlow(_ deadline: Duration) -> APIError {
        APIError(.requestTimeout, code: "upload_too_slow",
                 "the form did not arrive within \(deadline.components.seconds) s; send it again from a faster connection, or with smaller files")
    }

    static let incomplete = APIError.badRequest("upload_incomplete", "the connection ended before the whole form arrived; send it again")

    /// Checks the request's headers and starts reading its body: feed the
    /// chunks as they come, then `finish()`; after an error, `discardAll()`.
    package func begin(contentType: String?, contentLength: Int?) throws(APIError) -> MultipartUpload {
        guard let contentType, let boundary = Self.boundary(contentType) else {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type", "send multipart/form-data with a boundary")
        }
        if let contentLength, contentLength > maximumBody {
            throw APIError(.contentTooLarge, code: "file_too_large", "the request is \(contentLength) bytes; at most \(maximumBody) are accepted")
        }
        guard let parser = try? MultipartParser(boundary: boundary) else {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type", "send multipart/form-data with a boundary of 1 to 70 characters")
        }
        return MultipartUpload(reader: self, parser: parser)
    }

    static func boundary(_ contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for part in parts.dropFirst() where part.lowercased().hasPrefix("boundary=") {
            var value = String(part.dropFirst("boundary=".count))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            guard (1...70).contains(value.utf8.count), value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
            return value
        }
        return nil
    }
}

/// One body being read: the byte count and the parser's state. Used from
/// one thread at a time.
package final class MultipartUpload: @unchecked Sendable {
    private var parser: MultipartParser
    private let state: PartState
    private let maximumBody: Int
    private var total = 0
    /// Events parsed but not yet applied: those after a first file's
    /// headers wait here until the gate is open.
    private var pending: [MultipartParser.Event] = []
    private var next = 0
    package private(set) var gateOpened = false

    init(reader: MultipartFormReader, parser: MultipartParser) {
        self.parser = parser
        state = PartState(rules: reader.fileRules, textFields: reader.textFields, maximumFieldBytes: reader.maximumFieldBytes, documents: reader.documents)
        maximumBody = reader.maximumBody
    }

    /// Feeds a chunk. Returns the text fields when the first file part has
    /// begun and the gate must be passed: then call ``openGate()``.
    package func feed(_ chunk: ByteBuffer) throws(APIError) -> [String: String]? {
        total += chunk.readableBytes
        if total > maximumBody {
            throw APIError(.contentTooLarge, code: "file_too_large", "the request is larger than \(maximumBody) bytes")
        }
        do { pending += try parser.feed(chunk.readableBytesView) } catch { throw Self.malformed(error) }
        return try apply()
    }

    /// The gate passed: goes on with the events that waited for it.
    package func openGate() throws(APIError) -> [String: String]? {
        gateOpened = true
        return try apply()
    }

    private func apply() throws(APIError) -> [String: String]? {
        defer {
            pending.removeFirst(next)
            next = 0
        }
        while next < pending.count {
            let event = pending[next]
            if !gateOpened, case .headers(let headers) = event, state.startsFile(headers) { return state.form.fields }
            next += 1
            state.apply(event)
            if let problem = state.problem { throw problem }
        }
        return nil
    }

    package func finish() throws(APIError) -> MultipartFormReader.Form {
        do { try parser.finish() } catch { throw Self.malformed(error) }
        return try state.finish()
    }

    /// Deletes every file this body wrote.
    package func discardAll() { state.discardAll() }

    static func malformed(_ error: MultipartError) -> APIError {
        .badRequest("invalid_multipart", "the multipart body cannot be read: \(error); send the form as multipart/form-data, as a browser's form or curl -F does")
    }
}

/// What the parser's events build: the form, and the part being read.
/// Used from one thread at a time.
private final class PartState: @unchecked Sendable {
    let rules: [String: MultipartFormReader.FileRule]
    let textFields: Set<String>
    let maximumFieldBytes: Int
    let documents: any DocumentStore

    var form = MultipartFormReader.Form()
    var problem: APIError?

    // The part being read.
    var name: String?
    var isFile = false
    var text: [UInt8] = []
    var writer: (any DocumentWriter)?
    var fileName: String?
    var check: FileStructureCheck?
    var size = 0
    var stored = 0
    var written: [String] = []
    var sawFile = false

    init(rules: [String: MultipartFormReader.FileRule], textFields: Set<String>, maximumFieldBytes: Int, documents: any DocumentStore) {
        self.rules = rules
        self.textFields = textFields
        self.maximumFieldBytes = maximumFieldBytes
        self.documents = documents
    }

    func apply(_ event: MultipartParser.Event) {
        guard problem == nil else { return }
        switch event {
        case .headers(let headers):
            for header in headers { self.header(header.name, header.value) }
            if problem == nil, name == nil { fail(.badRequest("invalid_multipart", "a part has no name in a Content-Disposition header")) }
        case .content(let bytes): body(bytes)
        case .partEnded: complete()
        }
    }

    /// Whether these part headers begin a file part.
    func startsFile(_ headers: [MultipartParser.Header]) -> Bool {
        headers.contains { $0.name.lowercased() == "content-disposition" && Self.parameter("name", in: $0.value).map { rules[$0] != nil } == true }
    }

    func header(_ name: String, _ value: String) {
        guard problem == nil else { return }
        guard name.lowercased() == "content-disposition" else { return }
        guard let field = Self.parameter("name", in: value) else {
            fail(.badRequest("invalid_multipart", "a part has no name in its Content-Disposition")); return
        }
        guard self.name == nil else { fail(.badRequest("invalid_multipart", "a part has two Content-Disposition headers")); return }
        if form.fields[field] != nil || form.files[field] != nil {
            fail(APIError.invalid("invalid_field", field: String(field.prefix(64)), "the field \(field.prefix(64)) appears twice")); return
        }
        if rules[field] != nil {
            isFile = true
            sawFile = true
        } else if !textFields.contains(field) {
            fail(APIError.invalid("invalid_field", field: String(field.prefix(64)), "unknown field \"\(field.prefix(64))\"")); return
        } else if sawFile {
            // Every text field is checked before a file's first byte is read (review 2, #8).
            fail(.badRequest("invalid_multipart", "the text field \(field.prefix(64)) comes after a file; send every text field (altcha included) before the files")); return
        }
        self.name = field
    }

    func body(_ bytes: ArraySlice<UInt8>) {
        guard let name else { return }
        if isFile, let rule = rules[name] {
            size += bytes.count
            guard size <= rule.maximumBytes else {
                fail(APIError(.contentTooLarge, code: "file_too_large", "\(name) is larger than \(rule.maximumBytes) bytes", field: name)); return
            }
            // The structure is checked as the bytes come; what follows an
            // image's end marker is not stored (review 2, #14).
            var structure = check ?? FileStructureCheck(allowed: Set(rule.allowed.map(\.structure)))
            let kept: Int
            do { kept = try structure.feed(bytes) } catch {
                fail(Self.unsupported(name, rule, error)); return
            }
            check = structure
            stored += kept
            do {
                if writer == nil {
                    let file = DocumentVault.newFileName()
                    writer = try documents.makeWriter(fileName: file)
                    fileName = file
                    written.append(file)
                }
                try writer?.append(bytes.prefix(kept))
            } catch {
                fail(APIError(.serviceUnavailable, code: "storage_unavailable", "the upload cannot be stored just now; try again later"))
            }
        } else {
            text.append(contentsOf: bytes)
            if text.count > maximumFieldBytes {
                fail(APIError.invalid("invalid_field", field: name, "\(name) is longer than \(maximumFieldBytes) bytes"))
            }
        }
    }

    func complete() {
        defer { reset() }
        guard let name else { return }
        if isFile, let rule = rules[name] {
            guard let writer, let fileName, size > 0 else {
                fail(APIError.invalid("missing_field", field: name, "\(name) is empty; choose a file")); return
            }
            let type: SniffedType
            do { type = SniffedType(try (check ?? FileStructureCheck(allowed: [])).finish()) } catch {
                fail(Self.unsupported(name, rule, error)); return
            }
            do { try writer.finish() } catch {
                fail(APIError(.serviceUnavailable, code: "storage_unavailable", "the upload cannot be stored just now; try again later")); return
            }
            form.files[name] = .init(kind: rule.kind, type: type, fileName: fileName, size: stored)
        } else {
            guard let value = String(validating: text, as: UTF8.self) else {
                fail(APIError.invalid("invalid_field", field: name, "\(name) is not UTF-8 text")); return
            }
            form.fields[name] = value
        }
    }

    private func reset() {
        name = nil
        isFile = false
        text = []
        writer = nil
        fileName = nil
        check = nil
        size = 0
        stored = 0
    }

    static func unsupported(_ name: String, _ rule: MultipartFormReader.FileRule, _ error: FileStructureError) -> APIError {
        APIError.invalid("unsupported_file", field: name,
                         "\(name) must be \(rule.allowed.map(\.description).sorted().joined(separator: ", ")), judged by its content, whatever its name; this one: \(error)")
    }

    func fail(_ error: APIError) {
        if problem == nil { problem = error }
    }

    func finish() throws(APIError) -> MultipartFormReader.Form {
        if let problem { throw problem }
        return form
    }

    func discardAll() {
        writer?.discard()
        for file in written { try? documents.delete(fileName: file) }
    }

    /// A parameter of a header value (`form-data; name="photo"; filename="a.jpg"`).
    static func parameter(_ key: String, in value: String) -> String? {
        for part in value.split(separator: ";").dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == key else { continue }
            var text = pair[1]
            if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
            return (1...64).contains(text.utf8.count) ? text : nil
        }
        return nil
    }
}
