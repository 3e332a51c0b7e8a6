import Foundation
import TestSupport
import Testing

/// `alumnicard staff create|list|disable` against a real database file.
@Suite(.onItsOwnThread) struct StaffCommandTests {
    let alumnicard = ProjectPaths.builtProduct("alumnicard")
    let store = ["--database", "issuer.sqlite", "--kek", "kek"]

    func run(_ arguments: [String], input: String = "", in directory: URL) throws -> ExternalTool.Result {
        try ExternalTool.runCollecting(alumnicard, arguments, input: Data(input.utf8), currentDirectory: directory)
    }

    @Test func staffAreCreatedListedAndDisabled() throws {
        let directory = try ProjectPaths.temporaryDirectory("staff-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try run(["kek", "generate", "--out", "kek"], in: directory).status == 0)
        #expect(try run(["staff", "list"] + store, in: directory).output.contains("no staff accounts"))
        let made = try run(["staff", "create", "Lin.Reviewer", "--role", "reviewer", "--display-name", "林審核"] + store, in: directory)
        #expect(made.status == 0, "\(made.standardError)")
        #expect(made.output.contains("staff lin.reviewer (reviewer) created"))
        let password = try #require(made.output.firstMatch(of: /password \(shown once\): ([A-Za-z0-9-]{19})/).map { String($0.1) })
        #expect(password.split(separator: "-").count == 4)
        let chosen = try run(["staff", "create", "wu", "--role", "operator", "--password-stdin"] + store, input: "a chosen staff password\n", in: directory)
        #expect(chosen.status == 0 && !chosen.output.contains("shown once"))
        let twice = try run(["staff", "create", "LIN.reviewer", "--role", "admin"] + store, in: directory)
        #expect(twice.status != 0 && twice.standardError.contains("already a staff member named lin.reviewer"), "\(twice.standardError)")
        let badRole = try run(["staff", "create", "x", "--role", "boss"] + store, in: directory)
        #expect(badRole.status != 0 && badRole.standardError.contains("--role is auditor, reviewer, operator or admin"))
        let listed = try run(["staff", "list"] + store, in: directory).output
        #expect(listed.contains("lin.reviewer  reviewer  林審核") && listed.contains("authenticator not set up yet") && listed.contains("wu  operator"))
        #expect(!listed.contains(password))
        #expect(try run(["staff", "disable", "lin.reviewer"] + store, in: directory).status == 0)
        #expect(try run(["staff", "list"] + store, in: directory).output.contains("disabled"))
        #expect(try run(["staff", "disable", "lin.reviewer"] + store, in: directory).status != 0, "already disabled")
    }
}
