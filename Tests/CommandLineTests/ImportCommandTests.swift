import Foundation
import TestSupport
import Testing

/// `alumnicard cards import` and `merchants import|list` against a real database file.
@Suite(.onItsOwnThread) struct ImportCommandTests {
    let alumnicard = ProjectPaths.builtProduct("alumnicard")
    let store = ["--database", "issuer.sqlite", "--kek", "kek"]

    func run(_ arguments: [String], input: String = "", in directory: URL) throws -> ExternalTool.Result {
        try ExternalTool.runCollecting(alumnicard, arguments, input: Data(input.utf8), currentDirectory: directory)
    }

    @Test func anImportWritesAllRowsOrNone() throws {
        let directory = try ProjectPaths.temporaryDirectory("merchants-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try run(["kek", "generate", "--out", "kek"], in: directory).status == 0)
        let header = "merchant_id,name_zh,name_en,category,address,offer_zh,offer_en,valid_from,valid_until\n"
        let good = "tea-corner,茶角落,Tea Corner,cafe,臺北市 1 號,九折,10% off,2026-01-01,2027-12-31\n"
        try Data((header + good + "bad,壞,Bad,cafe,臺北市 2 號,九折,10% off,2027-12-31,2026-01-01\n").utf8).write(to: directory.appendingPathComponent("bad.csv"))
        try Data((header + good).utf8).write(to: directory.appendingPathComponent("good.csv"))

        let refused = try run(["merchants", "import", "bad.csv"] + store, in: directory)
        #expect(refused.status == 1)
        #expect(refused.output.contains("line 3: rejected bad: valid_until"))
        #expect(try run(["merchants", "list"] + store, in: directory).output.contains("no merchants"))

        let imported = try run(["merchants", "import", "good.csv"] + store, in: directory)
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(imported.output.contains("imported: 1 created"))
        let listed = try run(["merchants", "list"] + store, in: directory)
        #expect(listed.output.contains("tea-corner\tcafe\t2026-01-01…2027-12-31\t茶角落 / Tea Corner"))
    }

    @Test func theRegistrarsImportReportsAndWritesAllOrNone() throws {
        let directory = try ProjectPaths.temporaryDirectory("cards-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try run(["kek", "generate", "--out", "kek"], in: directory).status == 0)
        let header = "student_id,display_name,card_number,valid_through\n"
        try Data((header + "B11000001,林一,A000000101,2030-06-30\nB11000002,林二,bad number,2030-06-30\n").utf8)
            .write(to: directory.appendingPathComponent("bad.csv"))
        let refused = try run(["cards", "import", "bad.csv"] + store, in: directory)
        #expect(refused.status == 1)
        #expect(refused.output.contains("line 3: rejected") && refused.output.contains("nothing imported"))
        let dryRun = try run(["cards", "import", "-", "--dry-run"] + store, input: header + "B11000001,林一,A000000101,2030-06-30\n", in: directory)
        #expect(dryRun.status == 0 && dryRun.output.contains("dry run, nothing written: 1 created"), "\(dryRun.output)")
        let missing = try run(["cards", "import", "nowhere.csv"] + store, in: directory)
        #expect(missing.status != 0 && missing.standardError.contains("cannot read nowhere.csv"), "\(missing.standardError)")
    }
}

