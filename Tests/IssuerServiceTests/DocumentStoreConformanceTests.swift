import Foundation
import IssuerStore
import Testing
import TestSupport

/// Issue #26: uploaded documents go through the ``DocumentStore``
/// protocol. Every store it has (today the sealed directory) keeps these
/// behaviours; a shared store for several instances joins by one case.
@Suite("Document store conformance")
struct DocumentStoreConformanceTests {
    enum Backend: String, CaseIterable, CustomStringConvertible {
        case sealedDirectory
        var description: String { rawValue }

        func store() throws -> any DocumentStore {
            switch self {
            case .sealedDirectory:
                DocumentVault(directory: try ProjectPaths.temporaryDirectory("documents").appendingPathComponent("documents").path,
                              kek: KeyEncryptionKey.generate().key)
            }
        }
    }

    static let twoChunks = (0..<(DocumentVault.chunkSize + 1_000)).map { UInt8(truncatingIfNeeded: $0 &* 31) }

    @Test(arguments: Backend.allCases)
    func aDocumentWrittenInPiecesReadsBackWholeAndIsGoneOnceDeleted(_ backend: Backend) throws {
        let store = try backend.store()
        try store.prepare()
        let name = DocumentVault.newFileName()
        let writer = try store.makeWriter(fileName: name)
        for piece in stride(from: 0, to: Self.twoChunks.count, by: 10_000) {
            try writer.append(Self.twoChunks[piece..<min(piece + 10_000, Self.twoChunks.count)])
        }
        try writer.finish()
        #expect(try store.read(fileName: name, limit: Self.twoChunks.count) == Data(Self.twoChunks))
        #expect(throws: IssuerStoreError.self, "a limit below the size refuses the read") { try store.read(fileName: name, limit: 100) }
        try store.delete(fileName: name)
        #expect(throws: IssuerStoreError.self) { try store.read(fileName: name, limit: Self.twoChunks.count) }
        try store.delete(fileName: name) // deleting what is gone is no error
    }

    @Test(arguments: Backend.allCases)
    func aDiscardedWriteLeavesNothing(_ backend: Backend) throws {
        let store = try backend.store()
        try store.prepare()
        let name = DocumentVault.newFileName()
        let writer = try store.makeWriter(fileName: name)
        try writer.append([1, 2, 3])
        writer.discard()
        #expect(throws: IssuerStoreError.self) { try store.read(fileName: name, limit: 10) }
        #expect(try store.unreferenced(known: [], modifiedBefore: Int64.max).isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func unreferencedNamesOnlyOldDocumentsNoRecordKnows(_ backend: Backend) throws {
        let store = try backend.store()
        #expect(try store.unreferenced(known: [], modifiedBefore: Int64.max).isEmpty, "a store never written to has none")
        try store.prepare()
        var names: [String] = []
        for _ in 0..<3 {
            let name = DocumentVault.newFileName()
            let writer = try store.makeWriter(fileName: name)
            try writer.append([7])
            try writer.finish()
            names.append(name)
        }
        let now = Int64(Date().timeIntervalSince1970)
        #expect(Set(try store.unreferenced(known: [names[0]], modifiedBefore: now + 60)) == Set(names[1...]))
        #expect(try store.unreferenced(known: [], modifiedBefore: now - 3_600).isEmpty, "a fresh upload is not an orphan yet")
    }

    @Test(arguments: Backend.allCases)
    func aDocumentUnderAnotherNameDoesNotOpen(_ backend: Backend) throws {
        // The file key is bound to the name, so a record pointed at another
        // applicant's file reads nothing (sealed directory: a renamed file).
        guard case .sealedDirectory = backend else { return }
        let vault = try #require(try backend.store() as? DocumentVault)
        try vault.prepare()
        let name = DocumentVault.newFileName(), other = DocumentVault.newFileName()
        let writer = try vault.makeWriter(fileName: name)
        try writer.append([1, 2, 3])
        try writer.finish()
        try FileManager.default.moveItem(atPath: vault.path(of: name), toPath: vault.path(of: other))
        #expect(throws: IssuerStoreError.self) { try vault.read(fileName: other, limit: 10) }
    }
}
