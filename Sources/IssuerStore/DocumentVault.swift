import CardToken
import Crypto
import Foundation
import SecureFiles

/// Uploaded ID documents and photos, encrypted at rest in
/// `<data_dir>/documents/` (mode 0700; files 0600), outside any web root.
///
/// Each file is sealed as it streams in, so no plaintext ever reaches the
/// disk and no upload is held whole in memory. The format (STREAM-like,
/// per-file key):
///
///     "ACDOC1" ‖ salt (16 bytes)
///     then chunks: length (4 bytes, big-endian) ‖ AES-256-GCM ciphertext ‖ tag
///
/// The file key is HKDF-SHA256(document key, salt, "alumnicard document v1|<name>"),
/// chunk `i`'s nonce is 4 zero bytes ‖ `i` (8 bytes, big-endian), and its
/// additional data is one byte: 1 for the last chunk, 0 otherwise. So chunks
/// cannot be reordered, dropped, or cut off at the end without the read
/// failing, and a file renamed onto another document does not open.
public struct DocumentVault: DocumentStore {
    public let directory: String
    private let documentKey: SymmetricKey
    package static let magic = Array("ACDOC1".utf8)
    public static let chunkSize = 64 * 1024

    public init(directory: String, kek: KeyEncryptionKey) {
        self.directory = directory
        documentKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: kek.key, info: Data("alumnicard documents v1".utf8), outputByteCount: 32)
    }

    /// Creates the directory (0700) if needed.
    public func prepare() throws(IssuerStoreError) {
        do { _ = try SecureFile.makePrivateDirectory(directory) } catch {
            throw IssuerStoreError(.databaseUnavailable, "cannot create the document directory \(directory): \(error.message)")
        }
    }

    /// A new random file name (never derived from the applicant's input).
    public static func newFileName() -> String {
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255) }
        return Hexadecimal.encode(bytes) + ".sealed"
    }

    public func path(of name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// Starts writing a sealed file. Blocking I/O: call from a thread pool.
    public func makeWriter(fileName: String) throws(IssuerStoreError) -> any DocumentWriter {
        var status = stat()
        if stat(directory, &status) != 0 { try prepare() }
        return try SealedDocumentWriter(path: path(of: fileName), key: documentKey, fileName: fileName)
    }

    /// Reads and opens a whole sealed file (at most `limit` plaintext bytes).
    /// Blocking I/O: call from a thread pool.
    public func read(fileName: String, limit: Int) throws(IssuerStoreError) -> Data {
        let data: Data
        do { data = try SecureFile.read(path(of: fileName), limit: limit + limit / 8 + 4096) } catch {
            throw IssuerStoreError(.notFound, "the document file is missing or unreadable: \(error.message)")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 22, Array(bytes[0..<6]) == Self.magic else {
            throw IssuerStoreError(.corruptRecord, "the document file \(fileName) is not a sealed document")
        }
        let key = Self.fileKey(documentKey, salt: Array(bytes[6..<22]), fileName: fileName)
        var offset = 22
        var counter: UInt64 = 0
        var plain = Data()
        while offset < bytes.count {
            guard offset + 4 <= bytes.count else { throw IssuerStoreError(.corruptRecord, "the document \(fileName) is cut off") }
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            offset += 4
            guard length >= 16, length <= Self.chunkSize + 16, offset + length <= bytes.count else {
                throw IssuerStoreError(.corruptRecord, "the document \(fileName) has a damaged chunk")
            }
            let sealed = Array(bytes[offset..<offset + length])
            offset += length
            let isLast = offset == bytes.count
            guard let box = try? AES.GCM.SealedBox(nonce: Self.nonce(counter), ciphertext: sealed.dropLast(16), tag: sealed.suffix(16)),
                  let opened = try? AES.GCM.open(box, using: key, authenticating: [isLast ? 1 : 0]) else {
                throw IssuerStoreError(.corruptRecord, "the document \(fileName) does not open: damaged, cut off, or not sealed under this KEK")
            }
            plain.append(contentsOf: opened)
            guard plain.count <= limit else { throw IssuerStoreError(.corruptRecord, "the document \(fileName) is larger than \(limit) bytes") }
            counter += 1
        }
        guard counter > 0 else { throw IssuerStoreError(.corruptRecord, "the document \(fileName) has no content") }
        return plain
    }

    /// Opens a sealed file for reading chunk by chunk. Blocking I/O: call from a thread pool.
    public func openReader(fileName: String) throws(IssuerStoreError) -> any DocumentReader {
        try SealedDocumentReader(path: path(of: fileName), key: documentKey, fileName: fileName)
    }

    /// Deletes a document file; a missing one is not an error.
    public func delete(fileName: String) throws(IssuerStoreError) {
        if unlink(path(of: fileName)) != 0 && errno != ENOENT {
            throw IssuerStoreError(.databaseUnavailable, "cannot delete the document \(fileName): \(String(cString: strerror(errno)))")
        }
    }

    public func unreferenced(known: Set<String>, modifiedBefore: Int64) throws(IssuerStoreError) -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            // No directory yet: nothing was ever uploaded.
            if !FileManager.default.fileExists(atPath: directory) { return [] }
            throw IssuerStoreError(.databaseUnavailable, "cannot list the document directory \(directory)")
        }
        return names.filter { name in
            guard name.hasSuffix(".sealed"), !known.contains(name),
                  let modified = (try? FileManager.default.attributesOfItem(atPath: path(of: name)))?[.modificationDate] as? Date else { return false }
            return Int64(modified.timeIntervalSince1970) < modifiedBefore
        }
    }

    package static func fileKey(_ documentKey: SymmetricKey, salt: [UInt8], fileName: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: documentKey, salt: salt, info: Data("alumnicard document v1|\(fileName)".utf8), outputByteCount: 32)
    }

    package static func nonce(_ counter: UInt64) -> AES.GCM.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        for index in 0..<8 { bytes[4 + index] = UInt8(truncatingIfNeeded: counter >> (56 - 8 * UInt64(index))) }
        return try! AES.GCM.Nonce(data: bytes)
    }
}

/// Writes one sealed document chunk by chunk (see ``DocumentVault``). Not
/// shared between tasks; blocking I/O, so use it from a thread pool.
public final class SealedDocumentWriter: DocumentWriter, @unchecked Sendable {
    private let descriptor: Int32
    private let key: SymmetricKey
    public let path: String
    private var pending: [UInt8] = []
    private var counter: UInt64 = 0
    private var closed = false

    package init(path: String, key documentKey: SymmetricKey, fileName: String) throws(IssuerStoreError) {
        self.path = path
        descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw IssuerStoreError(.databaseUnavailable, "cannot create the document file \(path): \(String(cString: strerror(errno)))")
        }
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255) }
        key = DocumentVault.fileKey(documentKey, salt: salt, fileName: fileName)
        do { try writeAll(DocumentVault.magic + salt) } catch {
            Glibc.close(descriptor)
            unlink(path)
            throw error
        }
    }

    deinit { if !closed { Glibc.close(descriptor) } }

    /// Adds plaintext; full chunks are sealed and written at once.
    public func append(_ bytes: some Collection<UInt8>) throws(IssuerStoreError) {
        pending.append(contentsOf: bytes)
        while pending.count > DocumentVault.chunkSize {
            try seal(Array(pending.prefix(DocumentVault.chunkSize)), isLast: false)
            pending.removeFirst(DocumentVault.chunkSize)
        }
    }

    /// Seals the last chunk, syncs the file to disk and closes it.
    public func finish() throws(IssuerStoreError) {
        try seal(pending, isLast: true)
        pending = []
        if fsync(descriptor) != 0 { throw IssuerStoreError(.databaseUnavailable, "cannot sync the document file \(path)") }
        Glibc.close(descriptor)
        closed = true
    }

    /// Closes and deletes the file (an upload refused or cut off).
    public func discard() {
        if !closed { Glibc.close(descriptor); closed = true }
        unlink(path)
    }

    private func seal(_ chunk: [UInt8], isLast: Bool) throws(IssuerStoreError) {
        let box = try! AES.GCM.seal(chunk, using: key, nonce: DocumentVault.nonce(counter), authenticating: [isLast ? 1 : 0])
        let body = Array(box.ciphertext) + Array(box.tag)
        let length = UInt32(body.count)
        try writeAll([UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + body)
        counter += 1
    }

    private func writeAll(_ bytes: [UInt8]) throws(IssuerStoreError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                let full = errno == ENOSPC || errno == EDQUOT
                throw IssuerStoreError(full ? .storageFull : .databaseUnavailable, "cannot write the document file \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }
}

/// Reads one sealed document chunk by chunk (see ``DocumentVault``): at
/// most one chunk (64 KiB) in memory. Blocking I/O, for a thread pool.
public final class SealedDocumentReader: DocumentReader, @unchecked Sendable {
    private let descriptor: Int32
    private let key: SymmetricKey
    private let size: Int64
    private let fileName: String
    private var offset: Int64 = 22
    private var counter: UInt64 = 0

    package init(path: String, key documentKey: SymmetricKey, fileName: String) throws(IssuerStoreError) {
        self.fileName = fileName
        descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { throw IssuerStoreError(.notFound, "the document file \(fileName) is missing or unreadable") }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            Glibc.close(descriptor)
            throw IssuerStoreError(.notFound, "the document file \(fileName) cannot be examined")
        }
        size = Int64(status.st_size)
        var header = [UInt8](repeating: 0, count: 22)
        guard size >= 22, (try? Self.readFully(descriptor, &header, at: 0)) == true, Array(header[0..<6]) == DocumentVault.magic else {
            Glibc.close(descriptor)
            throw IssuerStoreError(.corruptRecord, "the document file \(fileName) is not a sealed document")
        }
        key = DocumentVault.fileKey(documentKey, salt: Array(header[6..<22]), fileName: fileName)
    }

    deinit { Glibc.close(descriptor) }

    public func next() throws(IssuerStoreError) -> [UInt8]? {
        guard offset < size else {
            guard counter > 0 else { throw IssuerStoreError(.corruptRecord, "the document \(fileName) has no content") }
            return nil
        }
        var lengthBytes = [UInt8](repeating: 0, count: 4)
        guard offset + 4 <= size, (try? Self.readFully(descriptor, &lengthBytes, at: offset)) == true else {
            throw IssuerStoreError(.corruptRecord, "the document \(fileName) is cut off")
        }
        let length = Int64(lengthBytes[0]) << 24 | Int64(lengthBytes[1]) << 16 | Int64(lengthBytes[2]) << 8 | Int64(lengthBytes[3])
        guard length >= 16, length <= Int64(DocumentVault.chunkSize + 16), offset + 4 + length <= size else {
            throw IssuerStoreError(.corruptRecord, "the document \(fileName) has a damaged chunk")
        }
        var sealed = [UInt8](repeating: 0, count: Int(length))
        guard (try? Self.readFully(descriptor, &sealed, at: offset + 4)) == true else {
            throw IssuerStoreError(.corruptRecord, "the document \(fileName) cannot be read")
        }
        offset += 4 + length
        let isLast = offset == size
        guard let box = try? AES.GCM.SealedBox(nonce: DocumentVault.nonce(counter), ciphertext: sealed.dropLast(16), tag: sealed.suffix(16)),
              let opened = try? AES.GCM.open(box, using: key, authenticating: [isLast ? 1 : 0]) else {
            throw IssuerStoreError(.corruptRecord, "the document \(fileName) does not open: damaged, cut off, or not sealed under this KEK")
        }
        counter += 1
        return Array(opened)
    }

    /// Fills `buffer` from `position`; false at an early end of file.
    private static func readFully(_ descriptor: Int32, _ buffer: inout [UInt8], at position: Int64) throws -> Bool {
        var done = 0
        while done < buffer.count {
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, $0.count - done, off_t(position) + off_t(done)) }
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            if count == 0 { return false }
            done += count
        }
        return true
    }
}
