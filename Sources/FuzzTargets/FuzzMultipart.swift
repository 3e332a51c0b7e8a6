import AccountRules
import Foundation
import IssuerCore
import IssuerService
import IssuerStore
import Multipart
import NIOCore

/// A `multipart/form-data` body through the application form's reader: the
/// same text fields and file rules as `POST /v1/account-applications`, with
/// small file limits so inputs reach them. Files are really sealed into a
/// vault in a temporary directory. Properties: what the reader accepts has
/// each file on disk within its limit; after a refusal nothing is left.
enum FuzzMultipart {
    static let boundary = "fuzzboundary"
    /// Bodies are fed in chunks of this many bytes, so parts straddle chunks.
    static let chunkBytes = 61

    static let kek = try! KeyEncryptionKey(bytes: Array(repeating: 7, count: 32))
    /// Each file field's largest size, small so inputs reach it.
    static let fileLimits = ["id_document": 4_096, "photo": 2_048]

    /// A vault of its own for each input (the replay tests run targets side by side).
    static func reader(_ vault: DocumentVault) -> MultipartFormReader {
        MultipartFormReader(
            textFields: ApplicationFormParser.textFields, fileRules: [
                "id_document": .init(kind: .idDocument, maximumBytes: fileLimits["id_document"]!, allowed: [.jpeg, .png, .pdf]),
                "photo": .init(kind: .photo, maximumBytes: fileLimits["photo"]!, allowed: [.jpeg, .png]),
            ],
            maximumFieldBytes: 1_024, documents: vault)
    }

    /// What the bare parser made of a body: each part's headers and whole
    /// content, or nil when it refused the body.
    struct Reading: Equatable {
        var parts: [(headers: [MultipartParser.Header], content: [UInt8])] = []

        static func == (left: Reading, right: Reading) -> Bool {
            left.parts.count == right.parts.count && zip(left.parts, right.parts).allSatisfy { $0.headers == $1.headers && $0.content == $1.content }
        }

        init?(_ bytes: [UInt8], chunk size: Int) {
            guard var parser = try? MultipartParser(boundary: boundary) else { return nil }
            var start = 0
            do {
                repeat {
                    let end = min(start + size, bytes.count)
                    for event in try parser.feed(bytes[start..<end]) {
                        switch event {
                        case .headers(let headers): parts.append((headers, []))
                        case .content(let content): parts[parts.count - 1].content += content
                        case .partEnded: break
                        }
                    }
                    start = end
                } while start < bytes.count
                try parser.finish()
            } catch {
                return nil
            }
        }
    }

    /// The bare parser: whether a body is read, and what is read, do not
    /// depend on how it is cut into chunks.
    static func chunking(_ bytes: [UInt8]) throws(FuzzPropertyFailure) {
        let whole = Reading(bytes, chunk: max(bytes.count, 1))
        for size in [1, 7, chunkBytes] where Reading(bytes, chunk: size) != whole {
            throw FuzzPropertyFailure("the body reads differently in chunks of \(size) than whole")
        }
    }

    static let parser = ApplicationFormParser(today: try! CalendarDay(year: 2026, month: 12, day: 1))

    /// The files of an accepted body by field name, nil when refused (for the replay tests).
    @discardableResult
    static func run(_ bytes: [UInt8]) throws(FuzzPropertyFailure) -> [String]? {
        let vault = DocumentVault(directory: NSTemporaryDirectory() + "alumnicard-fuzz-vault-" + UUID().uuidString, kek: kek)
        guard (try? vault.prepare()) != nil else { throw FuzzPropertyFailure("cannot make a vault in \(NSTemporaryDirectory())") }
        defer { try? FileManager.default.removeItem(atPath: vault.directory) }
        guard let upload = try? reader(vault).begin(contentType: "multipart/form-data; boundary=\(boundary)", contentLength: bytes.count) else { return nil }
        var form: MultipartFormReader.Form?
        do {
            var start = 0
            while start < bytes.count {
                let end = min(start + chunkBytes, bytes.count)
                // The gate (the daemon's human check) always passes here.
                var waiting = try upload.feed(ByteBuffer(bytes: bytes[start..<end]))
                while waiting != nil { waiting = try upload.openGate() }
                start = end
            }
            form = try upload.finish()
        } catch {
            upload.discardAll()
        }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: vault.directory)) ?? []
        guard let form else {
            if !left.isEmpty { throw FuzzPropertyFailure("a refused body left \(left.count) files in the vault") }
            return nil
        }
        for (name, file) in form.files {
            guard left.contains(file.fileName) else { throw FuzzPropertyFailure("\(name) was accepted but is not on disk") }
            guard file.size <= fileLimits[name] ?? 0 else { throw FuzzPropertyFailure("\(name) accepted at \(file.size) bytes") }
        }
        _ = try? parser.parse(form.fields)
        return form.files.keys.sorted()
    }
}
