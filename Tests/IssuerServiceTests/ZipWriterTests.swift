import Checksums
import Crypto
import Foundation
import TestSupport
import Testing
import ZipArchive

/// The streamed ZIP of a personal-data copy, read back by Python's
/// zipfile (an independent reader).
@Suite("ZIP writer")
struct ZipWriterTests {
    @Test func crc32MatchesTheStandardCheckValueFedWholeOrInPieces() {
        var whole = CRC32()
        whole.update(Array("123456789".utf8))
        #expect(whole.value == 0xCBF4_3926)
        var pieces = CRC32()
        for byte in "123456789".utf8 { pieces.update([byte]) }
        #expect(pieces.value == whole.value)
    }

    @Test func anArchiveWrittenInPiecesIsReadBackWholeByPythonsZipfile() throws {
        var generator = SystemRandomNumberGenerator()
        let large = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let stamp = ZipWriter.Timestamp(year: 2026, month: 12, day: 7, hour: 14, minute: 30, second: 58)
        var zip = ZipWriter()
        var archive: [UInt8] = []
        archive += try zip.begin(name: "account.json", timestamp: stamp)
        archive += try zip.append(Array(#"{"name":"林小明"}"#.utf8))
        archive += try zip.end()
        archive += try zip.begin(name: "documents/文件-photo.jpg", timestamp: stamp)
        for start in stride(from: 0, to: large.count, by: 65_536) { archive += try zip.append(large[start..<min(start + 65_536, large.count)]) }
        archive += try zip.end()
        archive += try zip.begin(name: "empty.txt", timestamp: stamp)
        archive += try zip.end()
        archive += try zip.finish()
        #expect(zip.size == UInt64(archive.count))

        let read = try JSONSerialization.jsonObject(with: ExternalTool.python("zip_inspect.py", input: Data(archive))) as? [String: Any]
        #expect(read?["bad"] is NSNull, "every entry's CRC-32 checks")
        let entries = read?["entries"] as? [[String: Any]] ?? []
        #expect(entries.map { $0["name"] as? String } == ["account.json", "documents/文件-photo.jpg", "empty.txt"])
        #expect(entries[1]["sha256"] as? String == SHA256.hash(data: large).map { String(format: "%02x", $0) }.joined())
        #expect(entries.allSatisfy { $0["compress_type"] as? Int == 0 && $0["mode"] as? Int == 0o600 })
        #expect((read?["account"] as? [String: Any])?["name"] as? String == "林小明")
    }

    @Test func misuseIsRefusedRatherThanWritingADamagedArchive() throws {
        let stamp = ZipWriter.Timestamp(year: 2026, month: 1, day: 1, hour: 0, minute: 0, second: 0)
        var zip = ZipWriter()
        #expect(throws: ZipWriter.Failure.entryNotOpen) { _ = try zip.append([1, 2, 3]) }
        #expect(throws: ZipWriter.Failure.entryNotOpen) { _ = try zip.end() }
        _ = try zip.begin(name: "a", timestamp: stamp)
        #expect(throws: ZipWriter.Failure.entryStillOpen) { _ = try zip.begin(name: "b", timestamp: stamp) }
        #expect(throws: ZipWriter.Failure.entryStillOpen) { _ = try zip.finish() }
        #expect(throws: ZipWriter.Failure.nameTooLong) {
            var other = ZipWriter()
            _ = try other.begin(name: String(repeating: "x", count: 70_000), timestamp: stamp)
        }
    }
}
