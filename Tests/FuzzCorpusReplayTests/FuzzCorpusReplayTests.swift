import CardToken
import Foundation
import FuzzTargets
import TestSupport
import Testing

/// Every committed fuzz corpus (`Fuzz/corpus/<target>/`) through its
/// parser, without a sanitizer build: an input that once crashed or broke
/// a property stays fixed. `scripts/fuzz` grows the corpora.
@Suite("Fuzz corpora, replayed", .onItsOwnThread)
struct FuzzCorpusReplayTests {
    static func corpus(_ target: FuzzTarget) -> [URL] {
        let folder = ProjectPaths.packageRoot.appendingPathComponent("Fuzz/corpus/\(target.rawValue)")
        return ((try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? [])
            .filter { !$0.lastPathComponent.hasPrefix(".") }.sorted { $0.path < $1.path }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everyCorpusFileRunsCleanly(_ target: FuzzTarget) throws {
        let files = Self.corpus(target)
        #expect(files.count >= 3, "Fuzz/corpus/\(target.rawValue) has \(files.count) seeds")
        for file in files {
            let bytes = Array(try Data(contentsOf: file))
            #expect(throws: Never.self, "\(target.rawValue)/\(file.lastPathComponent)") { try target.run(bytes) }
        }
    }

    @Test func theTokenTargetReachesPastTheSignatureWithTheVectors() throws {
        // With the vectors' keys, a good vector verifies (so the re-encoding property runs), and the seeds
        // include refusals of each kind the spec names, not only malformed text.
        let vectors = try JSONSerialization.jsonObject(with: Data(contentsOf: ProjectPaths.ac1Vector("tokens.json"))) as? [String: Any]
        let all = (vectors?["vectors"] as? [[String: Any]]) ?? []
        let ok = try #require(all.first { $0["name"] as? String == "ok_eddsa_cjk_name" }?["token"] as? String)
        #expect(FuzzTarget.tokenVerdict(ok) == .ok)
        let reasons = Set(Self.corpus(.ac1Token).compactMap { String(data: try! Data(contentsOf: $0), encoding: .utf8) }.map(FuzzTarget.tokenVerdict))
        #expect(reasons.isSuperset(of: [.ok, .malformed, .badSignature, .unknownKey, .lifetimeExceeded, .cardExpired]), "\(reasons)")
    }

    @Test func theMultipartTargetAcceptsAWholeApplicationAndRefusesTheBrokenOnes() throws {
        // The seeds reach the files' sealing: one body is a whole application with both files, and most
        // seeds are refusals (cut short, a field twice, a renamed file, too large), which leave nothing behind.
        let outcomes = try Self.corpus(.multipart).map { try FuzzTarget.multipartFiles(Array(try Data(contentsOf: $0))) }
        #expect(outcomes.contains { $0 == ["id_document", "photo"] })
        #expect(outcomes.filter { $0 == nil }.count >= 5, "\(outcomes)")
    }

    @Test func theFileStructureTargetAcceptsEachKindAndRefusesTheBrokenOnes() throws {
        // The seeds reach the end of each structure (a JPEG, a PNG and a PDF accepted) and its refusals
        // (cut short, a bad checksum, no %%EOF); an image with bytes after its end keeps only the image.
        let outcomes = try Self.corpus(.fileStructure).map { FuzzTarget.fileStructureKind(Array(try Data(contentsOf: $0))) }
        #expect(Set(outcomes.compactMap { $0 }) == ["jpeg", "png", "pdf"], "\(outcomes)")
        #expect(outcomes.filter { $0 == nil }.count >= 4, "\(outcomes)")
    }
}
