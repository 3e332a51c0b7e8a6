import Foundation
import TestSupport
import Testing

/// `alumnicard keys` and `alumnicard keyset` against a real database file,
/// including a process killed mid-rotation and two rotating at once.
@Suite(.onItsOwnThread) struct KeyRotationCommandTests {
    let alumnicard = ProjectPaths.builtProduct("alumnicard")
    static let start: Int64 = 1_764_036_000
    static let due = start + 40 * 86_400

    /// A directory with a KEK, a root key, and a database holding the first keys.
    func prepared() throws -> URL {
        let directory = try ProjectPaths.temporaryDirectory("rotation")
        for arguments in [["kek", "generate", "--out", "kek"], ["keys", "root", "--generate", "--out", "root.jwk"],
                          ["keys", "rotate", "--now", "\(Self.start)"] + store] {
            let result = try run(arguments, in: directory)
            #expect(result.status == 0, "\(arguments): \(result.standardError)")
        }
        return directory
    }

    var store: [String] { ["--database", "issuer.sqlite", "--kek", "kek"] }

    func run(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> ExternalTool.Result {
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        return try ExternalTool.runCollecting(alumnicard, arguments, environment: merged, currentDirectory: directory)
    }

    func keys(in directory: URL) throws -> [[String: String]] {
        let list = try run(["keys", "list", "--json"] + store, in: directory)
        #expect(list.status == 0, "\(list.standardError)")
        return try JSONSerialization.jsonObject(with: list.standardOutput) as? [[String: String]] ?? []
    }

    @Test func rotateThenExportShowsTheNewKeyPublishedWithItsActivationTime() throws {
        let directory = try prepared()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rotate = try run(["keys", "rotate", "--if-due", "--now", "\(Self.due)"] + store, in: directory)
        #expect(rotate.status == 0)
        #expect(rotate.output.contains("activated"))
        let export = try run(["keyset", "export", "--root", "root.jwk", "--now", "\(Self.due + 60)", "--out", "set.jws"] + store, in: directory)
        #expect(export.status == 0, "\(export.standardError)")
        #expect(export.standardError.contains("published, signs"))

        let publicRoot = try run(["keys", "root", "--public", "--root", "root.jwk"], in: directory)
        try publicRoot.standardOutput.write(to: directory.appendingPathComponent("root.pub.json"))
        let verify = try run(["keyset", "verify", "set.jws", "--root", "root.pub.json", "--now", "\(Self.due + 120)", "--json"], in: directory)
        #expect(verify.status == 0)
        let report = try JSONSerialization.jsonObject(with: verify.standardOutput) as? [String: Any]
        #expect(report?["reason"] as? String == "ok")
        let statuses = (report?["keys"] as? [[String: String]] ?? []).compactMap { $0["status"] }.sorted()
        #expect(statuses == ["active", "published", "retiring"])

        // Rollback and staleness answer with their codes and exit 1.
        let rollback = try run(["keyset", "verify", "set.jws", "--root", "root.pub.json", "--now", "\(Self.due + 120)", "--held-seq", "\(UInt64.max)", "--json"], in: directory)
        #expect(rollback.status == 1)
        #expect(rollback.output.contains("\"reason\":\"rollback\""))
        let stale = try run(["keyset", "verify", "set.jws", "--root", "root.pub.json", "--now", "\(Self.due + 10 * 86_400)"], in: directory)
        #expect(stale.status == 1)
        #expect(stale.output.contains("stale"))
    }

    @Test func aRotationKilledBeforeCommitLeavesTheOldKeys() throws {
        let directory = try prepared()
        defer { try? FileManager.default.removeItem(at: directory) }
        let before = try keys(in: directory)
        #expect(before.filter { $0["state"] == "active" }.count == 1)

        let marker = directory.appendingPathComponent("inside-transaction").path
        let process = Process()
        process.executableURL = alumnicard
        process.arguments = ["keys", "rotate", "--if-due", "--now", "\(Self.due)"] + store
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(["ALUMNICARD_FAILPOINT_ROTATE_BEFORE_COMMIT": marker]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait for the process to reach the failpoint (an event, not a time).
        var waited = 0
        while !FileManager.default.fileExists(atPath: marker) && waited < 3_000 {
            usleep(10_000)
            waited += 1
        }
        #expect(FileManager.default.fileExists(atPath: marker), "the rotation never reached its commit")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let after = try keys(in: directory)
        #expect(after == before, "a killed rotation changed the keys")
        // And the next run completes the rotation.
        #expect(try run(["keys", "rotate", "--if-due", "--now", "\(Self.due)"] + store, in: directory).status == 0)
        let rotated = try keys(in: directory)
        #expect(rotated.filter { $0["state"] == "active" }.count == 1)
        #expect(rotated.first { $0["state"] == "active" }?["kid"] != before.first { $0["state"] == "active" }?["kid"])
    }

    @Test func twoConcurrentRotationsMakeExactlyOneNewKey() throws {
        let directory = try prepared()
        defer { try? FileManager.default.removeItem(at: directory) }
        let processes = (0..<2).map { _ in
            let process = Process()
            process.executableURL = alumnicard
            process.arguments = ["keys", "rotate", "--if-due", "--now", "\(Self.due)"] + store
            process.currentDirectoryURL = directory
            process.standardOutput = Pipe()
            process.standardError = Pipe()
            return process
        }
        for process in processes { try process.run() }
        var outputs: [String] = []
        for process in processes {
            let data = (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            outputs.append(String(decoding: data, as: UTF8.self))
        }
        #expect(outputs.filter { $0.contains("activated") }.count == 1, "\(outputs)")
        #expect(outputs.filter { $0.contains("nothing is due") }.count == 1, "\(outputs)")
        let after = try keys(in: directory)
        #expect(after.count == 3)
        #expect(after.filter { $0["state"] == "active" }.count == 1)
        #expect(after.filter { $0["state"] == "published" }.count == 1)
    }

    @Test func revokingTheActiveKeyPromotesTheStandbyAndSaysWhatVerifiersSee() throws {
        let directory = try prepared()
        defer { try? FileManager.default.removeItem(at: directory) }
        let before = try keys(in: directory)
        let active = try #require(before.first { $0["state"] == "active" }?["kid"])
        let standby = try #require(before.first { $0["state"] == "published" }?["kid"])
        let revoke = try run(["keys", "revoke", active, "--reason", "laptop stolen", "--root", "root.jwk", "--now", "\(Self.start + 5 * 86_400)"] + store, in: directory)
        #expect(revoke.status == 0, "\(revoke.standardError)")
        #expect(revoke.output.contains("revoked \(active)"))
        #expect(revoke.output.contains("already published"))
        #expect(revoke.output.contains("Signed and installed key set seq"))
        let after = try keys(in: directory)
        #expect(after.first { $0["kid"] == active }?["state"] == "revoked")
        #expect(after.first { $0["kid"] == standby }?["state"] == "active")
        #expect(try run(["keys", "revoke", "AAAAAAAAAAA", "--reason", "x"] + store, in: directory).status == 1)
        // Kids may start with "-" (base64url); they must still be accepted as the argument.
        let dashed = try run(["keys", "revoke", "-09L2a7ABKw", "--reason", "x"] + store, in: directory)
        #expect(dashed.status == 1)
        #expect(dashed.standardError.contains("no key has kid -09L2a7ABKw"))
        #expect(try run(["keys", "revoke", "--reason", "x"] + store, in: directory).status == 2)
    }

    /// The offline-root path and a root rotation: export unsigned, sign on
    /// "another machine" with the old root endorsing the new, install, and
    /// check under either root.
    @Test func anOfflineRootSignsARootRotationThatBothPinsAccept() throws {
        let directory = try prepared()
        defer { try? FileManager.default.removeItem(at: directory) }
        let now = "\(Self.start + 600)"
        let steps: [[String]] = [
            ["keys", "root", "--generate", "--out", "root-2.jwk"],
            ["keyset", "export", "--unsigned", "--now", now, "--out", "unsigned.json"] + store,
            ["keyset", "sign", "--root", "root.jwk", "--new-root", "root-2.jwk", "--in", "unsigned.json", "--now", now, "--out", "set.jws"],
        ]
        for step in steps {
            let result = try run(step, in: directory)
            #expect(result.status == 0, "\(step): \(result.standardError)")
        }
        for (name, file) in [("root.pub.json", "root.jwk"), ("root-2.pub.json", "root-2.jwk")] {
            try run(["keys", "root", "--public", "--root", file], in: directory).standardOutput.write(to: directory.appendingPathComponent(name))
        }
        let install = try run(["keyset", "install", "set.jws", "--root-public", "root.pub.json", "--now", now] + store, in: directory)
        #expect(install.status == 0, "\(install.standardError)")
        let underOld = try run(["keyset", "verify", "set.jws", "--root", "root.pub.json", "--now", now, "--json"], in: directory)
        #expect(underOld.status == 0)
        #expect(underOld.output.contains("\"new_root\""))
        #expect(try run(["keyset", "verify", "set.jws", "--root", "root-2.pub.json", "--now", now], in: directory).status == 0)
        // A root nobody endorsed is refused.
        #expect(try run(["keys", "root", "--generate", "--out", "root-3.jwk"], in: directory).status == 0)
        #expect(try run(["keyset", "sign", "--root", "root-3.jwk", "--in", "unsigned.json", "--out", "rogue.jws"], in: directory).status == 0)
        let rogue = try run(["keyset", "verify", "rogue.jws", "--root", "root.pub.json", "--now", now], in: directory)
        #expect(rogue.status == 1)
        #expect(rogue.output.contains("untrusted_root"))
        // The endorsement is bound to the new root, the document's seq and an expiry.
        let parts = try String(contentsOf: directory.appendingPathComponent("set.jws"), encoding: .utf8).split(separator: ".")
        let payload = try JSONSerialization.jsonObject(with: base64URLDecoded(String(parts[1]))) as? [String: Any]
        let endorsement = try #require((payload?["root_rotation"] as? [String: Any])?["endorsement"] as? String)
        let statement = try JSONSerialization.jsonObject(with: base64URLDecoded(String(endorsement.split(separator: ".")[1]))) as? [String: Any]
        #expect(statement?["first_seq"] as? UInt64 == payload?["seq"] as? UInt64)
        #expect(statement?["exp"] as? Int64 == Self.start + 600 + 30 * 86_400)
        #expect(statement?["new_root"] != nil)
        // Replayed after its expiry, it introduces nothing.
        let late = try run(["keyset", "verify", "set.jws", "--root", "root.pub.json", "--now", "\(Self.start + 600 + 30 * 86_400 + 1)"], in: directory)
        #expect(late.status == 1)
    }

    @Test func exportAndRevokeTakeTheIssuerNameAndValidityFromTheConfiguration() throws {
        let directory = try prepared()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "issuer:\n  name: test-centre\nkeys:\n  keyset_validity: 7d\n".write(to: directory.appendingPathComponent("issuer.yaml"), atomically: true, encoding: .utf8)
        let now = Self.start + 60
        let export = try run(["keyset", "export", "--config", "issuer.yaml", "--unsigned", "--now", "\(now)"] + store, in: directory)
        #expect(export.status == 0, "\(export.standardError)")
        let document = try JSONSerialization.jsonObject(with: export.standardOutput) as? [String: Any]
        #expect(document?["iss"] as? String == "test-centre")
        #expect(document?["exp"] as? Int64 == now + 7 * 86_400)
        #expect(document?["max_token_lifetime"] as? Int64 == 360)
        // keyset refresh signs only when something changed.
        let first = try run(["keyset", "refresh", "--config", "issuer.yaml", "--root", "root.jwk", "--now", "\(now)"] + store, in: directory)
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.output.contains("signed and installed"))
        let second = try run(["keyset", "refresh", "--config", "issuer.yaml", "--root", "root.jwk", "--now", "\(now + 60)"] + store, in: directory)
        #expect(second.output.contains("current; nothing signed"))
    }

    @Test func theDemoCommandRefusesADatabaseNotMadeForDevelopment() throws {
        let directory = try prepared()
        defer { try? FileManager.default.removeItem(at: directory) }
        let refused = try run(["demo"] + store, in: directory)
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("not a development database"))
        let marked = try run(["demo", "--mark-development"] + store, in: directory)
        #expect(marked.status == 0, "\(marked.standardError)")
        #expect(marked.output.contains("demo alumnus"))
    }

    @Test func aWrongKEKStopsTheCommandWithAClearMessage() throws {
        let directory = try prepared()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try run(["kek", "generate", "--out", "other"], in: directory).status == 0)
        let wrong = try run(["keys", "list", "--database", "issuer.sqlite", "--kek", "other"], in: directory)
        #expect(wrong.status == 1)
        #expect(wrong.standardError.contains("does not open this database's keys"))
        let missing = try run(["keys", "list", "--database", "issuer.sqlite", "--kek", "nope"], in: directory)
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("alumnicard kek generate"))
    }

    /// `--now` feeds horizons subtracted from it: a time outside 1970–9999 is
    /// a usage error, not a trap, and nothing is written.
    @Test func aTimeOutsideTheCalendarIsAUsageError() throws {
        let directory = try prepared()
        defer { try? FileManager.default.removeItem(at: directory) }
        for now in ["-9223372036854775808", "9223372036854775807", "-1"] {
            let result = try run(["keyset", "export", "--unsigned", "--now=\(now)"] + store, in: directory)
            #expect(result.status == 2 && result.standardError.contains("--now is seconds since 1970"), "\(now): \(result.standardError)")
        }
        let accepted = try run(["keyset", "export", "--unsigned", "--now", "\(Self.start)"] + store, in: directory)
        #expect(accepted.status == 0, "\(accepted.standardError)")
    }
}

/// base64url without padding (RFC 4648 §5), as JWS parts are written.
func base64URLDecoded(_ text: String) -> Data {
    var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
    return Data(base64Encoded: standard) ?? Data()
}
