import CardToken
import CardKeys
import Foundation
import GRDB
import NIOCore
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import TestSupport
import Testing

@Suite("Registrar CSV import and personal data at rest")
struct RegistrarImportTests {
    func store() throws -> (AccountStore, AppDatabase) {
        let database = try AppDatabase.inMemory()
        return (AccountStore(database: database, kek: KeyEncryptionKey.generate().key), database)
    }

    @Test func rowsAreCreatedUpdatedOrLeftAloneAndReportedOneByOne() throws {
        let (accounts, _) = try store()
        let first = """
            student_id,display_name,email,card_number,valid_through,status
            B01000001,"Chen, Mei-ling",mei@example.org,A000000001,2030-06-30,active
            B01000002,王大明,,A000000002,2029-01-31,
            """
        let report = try accounts.importCSV(Data(first.utf8), now: 100, actor: "test")
        #expect(report.applied)
        #expect(report.rows.map(\.action) == [.created, .created])
        try #expect(accounts.holder(studentID: "B01000001")?.displayName == "Chen, Mei-ling")

        let second = "\u{FEFF}student_id,display_name,email,card_number,valid_through,status\r\nB01000001,\"Chen, Mei-ling\",MEI@example.org,A000000001,2031-06-30,active\r\nB01000002,王大明,,A000000002,2029-01-31,suspended\r\nB01000002,王大明,,A000000003,2032-01-31,active\r\nB01000001,\"Chen, Mei-ling\",mei@example.org,A000000001,2031-06-30,active\r\n"
        let again = try accounts.importCSV(Data(second.utf8), now: 200, actor: "test", dryRun: false)
        #expect(again.rows.map(\.action) == [.updated, .updated, .created, .rejected])
        #expect(again.rows[3].detail.contains("line 2"))
        #expect(!again.applied)
        // The rejected row stopped the whole file.
        try #expect(accounts.card(number: "A000000001")?.validThrough.description == "2030-06-30")
    }

    @Test(arguments: [
        ("B1,Name,,A1,2030-13-01", "valid_through"),
        ("B 1,Name,,A1,2030-01-01", "student_id"),
        ("B1,Name,not-an-address,A1,2030-01-01", "email"),
        ("B1,Name,,a-lower-case,2030-01-01", "card_number"),
        ("B1,,,A1,2030-01-01", "display_name"),
        ("B1,Name,,A1", "fields"),
    ])
    func badRowsAreRejectedWithTheReason(row: String, word: String) throws {
        let (accounts, _) = try store()
        let report = try accounts.importCSV(Data("student_id,display_name,email,card_number,valid_through\n\(row)\n".utf8), now: 1, actor: "test")
        #expect(report.rows.count == 1)
        #expect(report.rows[0].action == .rejected)
        #expect(report.rows[0].detail.contains(word))
        #expect(!report.applied)
        try #expect(accounts.counts().holders == 0)
    }

    @Test func anImportWithoutAStatusColumnKeepsASuspendedCardSuspended() throws {
        let (accounts, _) = try store()
        let full = "student_id,display_name,email,card_number,valid_through,status\nA1,林,lin@example.org,A000001234,2030-12-31,active\n"
        _ = try accounts.importCSV(Data(full.utf8), now: 1, actor: "registrar")
        _ = try accounts.setCardStatus(number: "A000001234", status: .suspended, reason: "fraud investigation", now: 2, actor: "admin:desk")
        // The nightly export, without the optional columns.
        let nightly = "student_id,display_name,card_number,valid_through\nA1,林,A000001234,2030-12-31\n"
        let report = try accounts.importCSV(Data(nightly.utf8), now: 3, actor: "registrar")
        #expect(report.rows.map(\.action) == [.unchanged])
        try #expect(accounts.card(number: "A000001234")?.status == .suspended)
        // An empty status cell changes nothing either; an explicit one does.
        let emptyCell = "student_id,display_name,card_number,valid_through,status\nA1,林,A000001234,2030-12-31,\n"
        _ = try accounts.importCSV(Data(emptyCell.utf8), now: 4, actor: "registrar")
        try #expect(accounts.card(number: "A000001234")?.status == .suspended)
        let lifted = "student_id,display_name,card_number,valid_through,status\nA1,林,A000001234,2030-12-31,active\n"
        #expect(try accounts.importCSV(Data(lifted.utf8), now: 5, actor: "registrar").rows[0].detail.contains("suspended → active"))
        try #expect(accounts.card(number: "A000001234")?.status == .active)
    }

    @Test func anImportWithoutAnEmailColumnKeepsAddressesAndAnEmptyCellClearsOne() throws {
        let (accounts, _) = try store()
        _ = try accounts.importCSV(Data("student_id,display_name,email,card_number,valid_through\nA1,林,lin@example.org,A1,2030-12-31\n".utf8), now: 1, actor: "r")
        _ = try accounts.importCSV(Data("student_id,display_name,card_number,valid_through\nA1,林,A1,2030-12-31\n".utf8), now: 2, actor: "r")
        try #expect(accounts.holder(login: LoginName("lin@example.org")!)?.studentID == "A1")
        try #expect(accounts.holder(studentID: "A1")?.email == "lin@example.org")
        _ = try accounts.importCSV(Data("student_id,display_name,email,card_number,valid_through\nA1,林,,A1,2030-12-31\n".utf8), now: 3, actor: "r")
        try #expect(accounts.holder(studentID: "A1")?.email == nil)
        try #expect(accounts.holder(login: LoginName("lin@example.org")!) == nil)
    }

    /// Issue #26, item 5: the import decides in a read snapshot and writes
    /// only what changes; a row another writer changed between the two is
    /// decided again under the lock, so nothing the other writer did is
    /// undone and the file still goes in whole or not at all.
    @Test func aRowChangedBetweenReadingAndWritingIsDecidedAgainUnderTheLock() throws {
        let directory = try ProjectPaths.temporaryDirectory("import")
        let database = try AppDatabase.open(path: directory.appendingPathComponent("issuer.sqlite").path)
        let accounts = AccountStore(database: database, kek: KeyEncryptionKey.generate().key)
        let header = "student_id,display_name,email,card_number,valid_through\n"
        #expect(try accounts.importCSV(Data((header + "B01000001,陳美玲,mei@example.org,A000000001,2030-06-30\n").utf8), now: 100, actor: "test").applied)
        try accounts.setPasswordHash(studentID: "B01000001", hash: "before", now: 100, actor: "test")
        // The registrar renames her; meanwhile she changes her password.
        let renamed = Data((header + "B01000001,陳美齡,mei@example.org,A000000001,2031-06-30\n").utf8)
        let report = try accounts.importCSV(renamed, now: 200, actor: "test") {
            try accounts.setPasswordHash(studentID: "B01000001", hash: "changed meanwhile", now: 150, actor: "test")
        }
        #expect(report.applied && report.rows.map(\.action) == [.updated])
        let holder = try #require(try accounts.holder(studentID: "B01000001"))
        #expect(holder.displayName == "陳美齡" && holder.passwordHash == "changed meanwhile")
        #expect(try accounts.card(number: "A000000001")?.validThrough.description == "2031-06-30")
    }

    @Test func anAddressTakenBetweenReadingAndWritingRejectsTheFileWhole() throws {
        let directory = try ProjectPaths.temporaryDirectory("import")
        let database = try AppDatabase.open(path: directory.appendingPathComponent("issuer.sqlite").path)
        let accounts = AccountStore(database: database, kek: KeyEncryptionKey.generate().key)
        let header = "student_id,display_name,email,card_number,valid_through\n"
        let file = Data((header + "B01000002,王大明,wang@example.org,A000000002,2030-06-30\nB01000004,林一,lin@example.org,A000000004,2030-06-30\n").utf8)
        let report = try accounts.importCSV(file, now: 200, actor: "test") {
            // An approval gives the same address to someone else first.
            let other = try accounts.importCSV(Data((header + "B01000003,張三,wang@example.org,A000000003,2030-06-30\n").utf8), now: 150, actor: "other")
            #expect(other.applied)
        }
        #expect(!report.applied && report.rows.map(\.action) == [.rejected, .created], "\(report.rows)")
        #expect(report.rows[0].detail.contains("B01000003"))
        #expect(try accounts.holder(studentID: "B01000002") == nil && accounts.holder(studentID: "B01000004") == nil, "nothing of the file was written")
        #expect(try accounts.holder(studentID: "B01000003")?.email == "wang@example.org")
    }

    @Test func rowsOfOneFileSeeEachOthersChanges() throws {
        let (accounts, _) = try store()
        let header = "student_id,display_name,email,card_number,valid_through\n"
        #expect(try accounts.importCSV(Data((header + "B01000001,甲,a@example.org,A000000001,2030-06-30\n").utf8), now: 100, actor: "test").applied)
        // Row 1 frees a@ and row 2 takes it; row 3 adds a second card to row 2's new holder (a new card is "created").
        let file = header + """
            B01000001,甲,b@example.org,A000000001,2030-06-30
            B01000002,乙,a@example.org,A000000002,2030-06-30
            B01000002,乙,a@example.org,A000000005,2031-06-30

            """
        let report = try accounts.importCSV(Data(file.utf8), now: 200, actor: "test")
        #expect(report.applied && report.rows.map(\.action) == [.updated, .created, .created], "\(report.rows)")
        let second = try #require(try accounts.holder(studentID: "B01000002"))
        #expect(second.email == "a@example.org")
        #expect(try accounts.card(number: "A000000005")?.holderID == second.id && accounts.card(number: "A000000002")?.holderID == second.id)
        #expect(try accounts.holder(studentID: "B01000001")?.email == "b@example.org")
    }

    @Test func aCardNumberNeverMovesToAnotherHolder() throws {
        let (accounts, _) = try store()
        _ = try accounts.importCSV(Data("student_id,display_name,card_number,valid_through\nB1,甲,A1,2030-01-01\n".utf8), now: 1, actor: "t")
        let report = try accounts.importCSV(Data("student_id,display_name,card_number,valid_through\nB2,乙,A1,2030-01-01\n".utf8), now: 2, actor: "t")
        #expect(report.rows[0].action == .rejected)
        #expect(report.rows[0].detail.contains("belongs to student B1"))
        try #expect(accounts.holder(studentID: "B2") == nil)
    }

    @Test(arguments: ["", "name,student_id\n", "student_id,display_name,card_number,valid_through,shoe_size\n", "student_id,display_name,card_number,valid_through\n\"unterminated\n"])
    func filesThatAreNotTheRegistrarsCSVAreRefusedWhole(text: String) throws {
        let (accounts, _) = try store()
        #expect(throws: IssuerStoreError.self) { try accounts.importCSV(Data(text.utf8), now: 1, actor: "t") }
    }

    @Test func namesAndEmailsAreNotStoredInTheClear() throws {
        let directory = try ProjectPaths.temporaryDirectory("pii")
        let path = directory.appendingPathComponent("issuer.sqlite").path
        let database = try AppDatabase.open(path: path)
        let accounts = AccountStore(database: database, kek: KeyEncryptionKey.generate().key)
        _ = try accounts.importCSV(Data("student_id,display_name,email,card_number,valid_through\nB1,Zhang Wei-Unique,wei.unique@example.org,A1,2030-01-01\n".utf8), now: 1, actor: "t")
        try #expect(accounts.holder(login: LoginName("WEI.UNIQUE@example.org")!)?.studentID == "B1")
        _ = try database.writer.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        var bytes = Data()
        for suffix in ["", "-wal", "-shm"] {
            bytes += (try? Data(contentsOf: URL(fileURLWithPath: path + suffix))) ?? Data()
        }
        for secret in ["Zhang Wei-Unique", "wei.unique@example.org", "wei.unique"] {
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) is in the database file")
        }
        #expect(bytes.range(of: Data("B1".utf8)) != nil) // the student ID is a lookup key, stored as is
    }
}
