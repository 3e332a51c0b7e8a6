import ArgumentParser
import CardKeys
import CardToken
import CLISupport
import Foundation
import IssuerCore
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import SecureFiles

extension KeysCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the issuer's signing keys, their states and windows.")

        @OptionGroup var store: StoreOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let ring = try await store.withServices { try await $0.keyService.ring() }
            if json {
                let rows = ring.keys.map { key -> [String: String] in
                    var row = ["kid": key.id.base64URL, "alg": key.algorithm.jwkName, "state": key.state.rawValue,
                               "published_at": "\(key.publishedAt)", "nbf": "\(key.notBefore)", "exp": "\(key.notAfter)",
                               "planned_handoff": "\(key.plannedHandoff)"]
                    if let revoked = key.revokedAt { row["revoked_at"] = "\(revoked)" }
                    return row
                }
                let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
                FileHandleOutput.standardOutput.write(data + Data("\n".utf8))
                return
            }
            if ring.keys.isEmpty { print("no keys yet; `alumnicard keys rotate` makes the first"); return }
            for key in ring.keys {
                var line = "\(key.id)  \(key.algorithm.jwkName)  \(key.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  signs \(describeTime(key.notBefore)) → \(describeTime(key.notAfter))"
                if key.state == .published { line += ", takes over \(describeTime(key.plannedHandoff))" }
                if key.state == .active { line += ", hands over \(describeTime(key.plannedHandoff))" }
                if let reason = key.revocationReason { line += ", revoked: \(reason)" }
                print(line)
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rotate signing keys: promote the standby, publish a new one, drop expired keys.",
            discussion: "With --if-due (what the daily timer runs) nothing happens unless the schedule says so. Without it the standby takes over now, provided every verifier has had time to fetch it. Then run `alumnicard keyset export` so verifiers see the change."
        )

        @OptionGroup var store: StoreOptions

        @Flag(help: "Only act when the schedule is due.")
        var ifDue = false

        @Option(help: "The algorithm of new keys: ed25519 (default), hs256 or hs256-64.")
        var alg: KeysCommand.Algorithm = .ed25519

        func run() async throws {
            var hook: (@Sendable () -> Void)?
            // Failpoint for the crash-safety test: stop inside the transaction.
            if let marker = store.environment["ALUMNICARD_FAILPOINT_ROTATE_BEFORE_COMMIT"] {
                hook = {
                    _ = FileManager.default.createFile(atPath: marker, contents: Data())
                    while true { pause() }
                }
            }
            let changes: [KeyChange], seq: UInt64
            if try store.usesPostgres {
                // The daemon's own rotation, in one PostgreSQL transaction that locks the key rows.
                let force = !ifDue, actor = store.auditActor, algorithm = alg.cose, now = store.time
                (changes, seq) = try await store.withServices { services in
                    let changes = try await services.repositories.keys.rotate(now: now, force: force, ifDue: !force, actor: actor, algorithm: algorithm)
                    return (changes, try await services.repositories.keys.currentSeq())
                }
            } else {
                (changes, seq) = try store.withKeyStore { keyStore in
                    (try keyStore.rotate(now: store.time, force: !ifDue, ifDue: ifDue, actor: store.auditActor, algorithm: alg.cose, beforeCommit: hook),
                     try keyStore.currentSeq())
                }
            }
            if changes.isEmpty { print("nothing is due"); return }
            for change in changes { print(change) }
            print("key set seq is now \(seq); run `alumnicard keyset export` to publish it")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a key at once (a leaked or lost key).",
            discussion: "If the key was active, the standby takes over immediately and a new standby is published. With --root the new key set is signed at once."
        )

        @OptionGroup var store: StoreOptions

        // A kid is base64url and may begin with "-", which would otherwise
        // read as an option; unrecognised words are collected here instead.
        @Argument(parsing: .allUnrecognized, help: "The kid of the key to revoke, as `alumnicard keys list` shows it.")
        var kids: [String] = []

        var kid: String { kids.first ?? "" }

        @Option(help: "Why, for the audit log.")
        var reason: String

        @Option(help: "Sign the new key set now with this root key file.")
        var root: String?

        @Option(help: "The issuer name in the key set (default: issuer.name from the configuration).")
        var issuer: String?

        func validate() throws {
            guard kids.count == 1 else { throw ValidationError("give exactly one kid to revoke, not \(kids.count): \(kids.joined(separator: " "))") }
        }

        func run() async throws {
            let id: KeyID
            do { id = try KeyID(base64URL: kid) } catch { throw CommandFailure.usage("\(kid) is not a kid: \(error.message)") }
            let configuration = try store.configuration()
            let rootKey = try root.map { path throws(CommandFailure) in try RootKeyFiles.signingKey(at: path) }
            let now = store.time
            if try store.usesPostgres {
                // The API's revocation: the standby takes over, and with --root the key set is re-signed at once.
                let reason = reason, actor = store.auditActor
                let (changes, seq) = try await store.withServices(rootKey: rootKey) { services in
                    (try await services.keyService.revoke(id, reason: reason, actor: actor), try await services.keyService.overview().keySetSeq)
                }
                for change in changes { print(change) }
                print(rootKey == nil ? "Next: an instance holding the root key signs key set seq \(seq) or later within a minute."
                                     : "Signed and installed key set seq \(seq).")
                return
            }
            try store.withKeyStore { keyStore in
                let changes = try keyStore.revoke(id, reason: reason, now: now, actor: store.auditActor)
                for change in changes { print(change) }
                let policy = keyStore.policy
                print("""

                    What verifiers see:
                    - Once they fetch the new key set, tokens signed by \(id) are refused as key_revoked.
                    - Verifiers refresh every \(policy.refreshInterval / 60) min; a verifier offline longer keeps the old set until it syncs.
                    - Tokens already issued by \(id) expire within \(policy.tokenLifetime) s + \(policy.leeway) s leeway anyway.
                    """)
                if changes.contains(where: { $0.kind == .windowOpened || ($0.kind == .created && $0.detail.contains("active at once")) }) {
                    print("- The new active key was not yet due, so verifiers accept its tokens only after their next sync (within \(policy.refreshInterval / 60) min for online ones).")
                } else if let active = try keyStore.ring().active {
                    print("- The new active key \(active.id) was already published: every synced verifier accepts its tokens now.")
                }
                if let rootKey {
                    let jws = try keyStore.signKeySet(root: rootKey, issuer: issuer ?? configuration.issuerName, now: now,
                                                      validity: configuration.keySetValidity, actor: store.auditActor)
                    print("- Signed and installed key set seq \(try keyStore.currentSeq()) (\(jws.count) bytes).")
                } else {
                    print("- Next: `alumnicard keyset export --root FILE` (or sign offline) to publish key set seq \(try keyStore.currentSeq()) or later.")
                }
            }
        }
    }

    struct Root: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the root key, or print its public JWK (what merchants pin).",
            discussion: "`alumnicard keys root --generate --out root.jwk` writes a new root (mode 0600). `alumnicard keys root --public --root root.jwk` prints the public JWK for verifiers' configuration."
        )

        @Flag(help: "Print the root public key as a JWK.")
        var `public` = false

        @Flag(help: "Write a new root key to --out.")
        var generate = false

        @Option(help: "The root key file (default: the systemd credential \(RootKeyFiles.credentialName)).")
        var root: String?

        @Option(help: "Where --generate writes the root key.")
        var out: String?

        @Flag(help: "Replace --out if it exists.")
        var force = false

        func validate() throws {
            guard `public` != generate else { throw ValidationError("give exactly one of --public and --generate") }
            if generate && out == nil { throw ValidationError("--generate needs --out FILE") }
        }

        func run() throws {
            if generate, let out {
                let key = RootSigningKey.generate()
                try RootKeyFiles.writeJSON(key.privateJWK, to: out, replacing: force)
                printError("wrote root key \(key.id) to \(out) (mode 0600); keep it offline or as a systemd credential")
                return
            }
            let key = try RootKeyFiles.signingKey(at: root)
            FileHandleOutput.standardOutput.write(prettyJSON(key.publicKey.jwk) ?? Data())
        }
    }
}

/// `alumnicard kek`: the key-encryption key.
struct KEKCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kek",
        abstract: "Make the key-encryption key that seals signing keys in the database.",
        subcommands: [Generate.self]
    )

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a new 32-byte KEK (base64, mode 0600). Back it up apart from the database.")

        @Option(help: "Where to write it.")
        var out: String

        func run() throws {
            do {
                try SecureFile.write(KeyEncryptionKey.generate().fileContents, to: out, mode: 0o600, replacing: false)
            } catch where error.code == .alreadyExists {
                throw CommandFailure.failed("\(out) already exists and was left untouched: replacing a KEK makes the database's keys unreadable")
            } catch {
                throw CommandFailure.failed(error.message)
            }
            printError("wrote a key-encryption key to \(out) (mode 0600)")
        }
    }
}
