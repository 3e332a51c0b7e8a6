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


/// Issue #26: the command line calls the same service method as the admin
/// API, with the same effects: a card suspended from the command line is
/// audited as the API's suspension is (`card_suspended`, the reason, the
/// status change), under the command line's actor, and a revoked card is
/// never reinstated, by either.
@Suite(.onItsOwnThread) struct CommandLineEffectsTests {
    let alumnicard = ProjectPaths.builtProduct("alumnicard")
    let store = ["--database", "issuer.sqlite", "--kek", "kek"]

    func run(_ arguments: [String], input: String = "", in directory: URL) throws -> ExternalTool.Result {
        try ExternalTool.runCollecting(alumnicard, arguments, input: Data(input.utf8), currentDirectory: directory)
    }

    /// The audit rows of `action`, read with Python's sqlite3, apart from the issuer's code.
    func audit(_ action: String, in directory: URL) throws -> [String] {
        let script = """
            import sqlite3, sys
            rows = sqlite3.connect(sys.argv[1]).execute("SELECT actor, subject, detail FROM audit_event WHERE action = ? ORDER BY id", (sys.argv[2],))
            for actor, subject, detail in rows: print(f"{actor}|{subject}|{detail}")
            """
        let result = try ExternalTool.runCollecting(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", script, directory.appendingPathComponent("issuer.sqlite").path, action])
        guard result.status == 0 else { throw ExternalTool.Failure(description: result.standardError) }
        return result.output.split(separator: "\n").map(String.init)
    }

    @Test func aCardSuspendedFromTheCommandLineIsAuditedAsTheAPIsSuspensionIs() throws {
        let directory = try ProjectPaths.temporaryDirectory("cli-effects")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try run(["kek", "generate", "--out", "kek"], in: directory).status == 0)
        let imported = try run(["cards", "import", "-"] + store, input: "student_id,display_name,card_number,valid_through\nB11000001,林一,A000000101,2030-06-30\n",
                               in: directory)
        #expect(imported.status == 0, "\(imported.standardError)")
        let suspended = try run(["cards", "suspend", "A000000101", "--reason", "reported lost", "--actor", "cli:desk-chen"] + store, in: directory)
        #expect(suspended.status == 0 && suspended.output.contains("card A000000101 is now suspended"), "\(suspended.standardError)")
        #expect(try audit("card_suspended", in: directory) == ["cli:desk-chen|A000000101|active → suspended: reported lost"])
        #expect(try run(["cards", "revoke", "A000000101", "--reason", "stolen"] + store, in: directory).status == 0)
        let reinstated = try run(["cards", "reinstate", "A000000101", "--reason", "found"] + store, in: directory)
        #expect(reinstated.status == 1 && reinstated.standardError.contains("card_change_refused"), "\(reinstated.standardError)")
        #expect(try audit("card_reinstated", in: directory).isEmpty)
    }
}

/// Issue #27: `alumnicard backup`, SQLite's online backup of a database in use.
@Suite(.onItsOwnThread) struct BackupCommandTests {
    let alumnicard = ProjectPaths.builtProduct("alumnicard")

    func run(_ arguments: [String], input: String = "", in directory: URL) throws -> ExternalTool.Result {
        try ExternalTool.runCollecting(alumnicard, arguments, input: Data(input.utf8), currentDirectory: directory)
    }

    @Test func aBackupIsAWholePrivateCopyAndNeverOverwritesByAccident() throws {
        let directory = try ProjectPaths.temporaryDirectory("backup-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try run(["kek", "generate", "--out", "kek"], in: directory).status == 0)
        let store = ["--database", "issuer.sqlite", "--kek", "kek"]
        let header = "merchant_id,name_zh,name_en,category,address,offer_zh,offer_en,valid_from,valid_until\n"
        #expect(try run(["merchants", "import", "-"] + store, input: header + "tea-corner,茶角落,Tea Corner,cafe,臺北市 1 號,九折,10% off,2026-01-01,2027-12-31\n",
                        in: directory).status == 0)
        let backedUp = try run(["backup", "--out", "copy.sqlite", "--database", "issuer.sqlite"], in: directory)
        #expect(backedUp.status == 0 && backedUp.output.contains("backed up"), "\(backedUp.standardError)")
        let copy = directory.appendingPathComponent("copy.sqlite").path
        #expect((try FileManager.default.attributesOfItem(atPath: copy)[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        // The copy opens with the same KEK and holds what the original held.
        let listed = try run(["merchants", "list", "--database", "copy.sqlite", "--kek", "kek"], in: directory)
        #expect(listed.output.contains("tea-corner"), "\(listed.output) \(listed.standardError)")
        let again = try run(["backup", "--out", "copy.sqlite", "--database", "issuer.sqlite"], in: directory)
        #expect(again.status == 1 && again.standardError.contains("already exists"), "\(again.standardError)")
        #expect(try run(["backup", "--out", "copy.sqlite", "--database", "issuer.sqlite", "--force"], in: directory).status == 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".partial-") }
        #expect(leftovers.isEmpty, "no half copy is left: \(leftovers)")
        let missing = try run(["backup", "--out", "x.sqlite", "--database", "nowhere.sqlite"], in: directory)
        #expect(missing.status == 1 && missing.standardError.contains("there is no database"), "\(missing.standardError)")
    }
}
