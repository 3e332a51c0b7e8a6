import ArgumentParser
import CardKeys
import CardToken
import CLISupport
import Clocks
import DaemonSupport
import Foundation
import IssuerCore
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import SecureFiles

/// `alumnicard keyset`: the published, root-signed key set (keyset.md).
struct KeySetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyset",
        abstract: "Export, sign, install and verify the root-signed key set merchants trust.",
        subcommands: [Export.self, Refresh.self, Sign.self, Install.self, Publish.self, Verify.self]
    )

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the next key set: signed with --root, or --unsigned for a root kept offline.",
            discussion: "Each export takes a new seq. A signed export is also installed as the document the daemon serves. An unsigned one is signed elsewhere with `alumnicard keyset sign` and brought back with `alumnicard keyset install`."
        )

        @OptionGroup var store: StoreOptions

        @Option(help: "The root key file (default: the systemd credential alumnicard-root).")
        var root: String?

        @Flag(help: "Write the unsigned payload instead, for signing on another machine.")
        var unsigned = false

        @Option(help: "The issuer name (iss; default: issuer.name from the configuration).")
        var issuer: String?

        @Option(help: "Seconds until the set is stale (exp − iat; default: keys.keyset_validity from the configuration).")
        var validity: Int64?

        @Option(help: "Write to this file instead of standard output.")
        var out: String?

        func run() async throws {
            let configuration = try store.configuration()
            let issuer = self.issuer ?? configuration.issuerName
            let validity = self.validity ?? configuration.keySetValidity
            guard validity > 0 else { throw CommandFailure.usage("--validity must be positive") }
            let rootKey = unsigned ? nil : try RootKeyFiles.signingKey(at: root)
            let now = store.time, actor = store.auditActor
            let (exported, published) = try await store.withServices { services in
                (try await services.publisher.export(root: rootKey, issuer: issuer, validity: validity, now: now, actor: actor),
                 try await services.repositories.keys.ring().publishedKeys)
            }
            let output = switch exported {
            case .signed(let jws): Data(jws.utf8)
            case .unsigned(let document): Data(document.json())
            }
            try write(output + Data("\n".utf8), to: out)
            for key in published {
                printError("\(key.id) \(key.state.rawValue), signs \(describeTime(key.notBefore)) → \(describeTime(key.notAfter))")
            }
        }
    }

    struct Refresh: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign and install a new key set only if the served one is out of date (for alumnicard-publish-keyset.timer).",
            discussion: "A new set is signed when the served one is missing, lists other keys than the database, lists other withdrawn cards, names another issuer, or is past half its validity; otherwise nothing changes. This is what the daemon does itself when it holds the root key."
        )

        @OptionGroup var store: StoreOptions

        @Option(help: "The root key file (default: the systemd credential alumnicard-root).")
        var root: String?

        func run() async throws {
            let rootKey = try RootKeyFiles.signingKey(at: root)
            let (signed, seq) = try await store.withServices(rootKey: rootKey) { services in
                let signed = try await services.publisher.refreshIfNeeded(now: store.time, actor: store.auditActor)
                return (signed, try await services.keyService.overview().keySetSeq)
            }
            print(signed ? "signed and installed key set seq \(seq)" : "the served key set is current; nothing signed")
        }
    }

    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign an unsigned key set with the root key (runs anywhere; needs no database).",
            discussion: "With --new-root, --root is the old root and --new-root the new one: the document is signed by the new root and carries the old root's endorsement, bound to the new root, to this document's seq as the first one and to an expiry (--endorsement-validity). Verifiers that follow it trust the new root instead of the old from then on (docs/key-rotation.md)."
        )

        @Option(help: "The root key file.")
        var root: String

        @Option(name: .customLong("in"), help: "The unsigned key set from `alumnicard keyset export --unsigned`.")
        var input: String

        @Option(help: "For a root rotation: the new root key file, which signs; --root endorses it.")
        var newRoot: String?

        @Option(help: "Act as of this time (epoch seconds) for the endorsement.")
        var now: Int64?

        @Option(help: "Seconds the endorsement introduces the new root for (default 30 days: every verifier must sync within it).")
        var endorsementValidity: Int64 = KeySetSigner.defaultEndorsementValidity

        @Option(help: "Write to this file instead of standard output.")
        var out: String?

        func run() throws {
            var document: KeySetDocument
            do {
                document = try JSONDecoder().decode(KeySetDocument.self, from: RootKeyFiles.read(input))
            } catch let error as CommandFailure { throw error } catch {
                throw CommandFailure.usage("\(input) is not an unsigned key set: \(JSONWebKeySet.describe(error))")
            }
            var signer = try RootKeyFiles.signingKey(at: root)
            if let newRoot {
                guard endorsementValidity > 0 else { throw CommandFailure.usage("--endorsement-validity must be positive") }
                let successor = try RootKeyFiles.signingKey(at: newRoot)
                guard successor.publicKey != signer.publicKey else { throw CommandFailure.usage("--new-root is the same key as --root") }
                let endorsement = KeySetSigner.endorse(successor.publicKey, by: signer, at: now ?? Int64(Date().timeIntervalSince1970),
                                                       firstSeq: document.seq, validity: endorsementValidity)
                document.rootRotation = RootRotation(endorsement: endorsement)
                signer = successor
            }
            try write(Data(KeySetSigner.sign(document, with: signer).utf8) + Data("\n".utf8), to: out)
        }
    }

    struct Install: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Install a key set signed elsewhere as the one the daemon serves.")

        @OptionGroup var store: StoreOptions

        @Argument(help: "The signed key set (compact JWS).")
        var file: String

        @Option(help: "The root public JWK (or JWK Set) it must verify under.")
        var rootPublic: String

        func run() async throws {
            let jws = String(decoding: try RootKeyFiles.read(file), as: UTF8.self)
            let roots = try RootKeyFiles.publicKeys(at: rootPublic)
            if try store.usesPostgres {
                let now = store.time, actor = store.auditActor
                try await store.withServices { try await $0.repositories.keys.install(jws, pinnedRoots: roots, now: now, actor: actor) }
            } else {
                try store.withKeyStore { try $0.install(jws, pinnedRoots: roots, now: store.time, actor: store.auditActor) }
            }
            print("installed")
        }
    }

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the served key set and its JWK Set as static files, for any web server or CDN.",
            discussion: """
                Writes DIR/.well-known/alumni-card/keyset.jws and DIR/.well-known/jwks.json, the paths the daemon serves, each \
                replaced atomically (mode 0644: they are public). Serve DIR with Config/nginx/keyset-static.conf (ETag, content \
                types, cache headers) and point verifiers' issuer.keyset_url at it. The files are the key set the database holds \
                now: run it after every `keyset refresh`, `export --root` or `install` (docs/scale-out.md).
                """)

        @OptionGroup var store: StoreOptions

        @Option(help: "The directory to write under (the web server's root).")
        var out: String

        func run() async throws {
            let jws = try await store.withServices { try await $0.repositories.keys.currentKeySet() }
            guard let jws, let published = KeySetPublisher.publish(jws) else {
                throw CommandFailure.failed("no key set has been signed or installed yet: run `alumnicard keyset export --root FILE` or `keyset install` first")
            }
            let wellKnown = (out as NSString).appendingPathComponent(".well-known")
            let keySetDirectory = (wellKnown as NSString).appendingPathComponent("alumni-card")
            do {
                try FileManager.default.createDirectory(atPath: keySetDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
                // The JWK Set first: a verifier reading the JWS never finds a set older than the JWKS beside it.
                try SecureFile.write(Data(published.jwks), to: (wellKnown as NSString).appendingPathComponent("jwks.json"), mode: 0o644, replacing: true)
                try SecureFile.write(Data(jws.utf8), to: (keySetDirectory as NSString).appendingPathComponent("keyset.jws"), mode: 0o644, replacing: true)
            } catch let error as SecureFileError {
                throw CommandFailure.failed(error.message)
            } catch {
                throw CommandFailure.failed("cannot create \(keySetDirectory): \(error.localizedDescription)")
            }
            print("published key set seq \(published.document.seq) (expires \(describeTime(published.document.exp))) under \(out)")
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a key set as a merchant's verifier does.",
            discussion: "Answers with keyset.md's reason: ok, malformed, untrusted_root, bad_signature, rollback or stale. Exits 0 for ok, 1 otherwise, 2 on a usage error."
        )

        @Argument(help: "The key set file (compact JWS); - for standard input.")
        var file: String

        @Option(help: "The pinned root public JWK (or a JWK Set of several).")
        var root: String

        @Option(help: "The seq of the key set already held, to detect rollback.")
        var heldSeq: UInt64?

        @Option(help: "Check as of this time, in epoch seconds (default: now).")
        var now: Int64?

        @Flag(help: "Print JSON; its reason field holds the code.")
        var json = false

        func run() throws {
            let data = file == "-" ? FileHandle.standardInput.readData(ofLength: 1 << 20) : try RootKeyFiles.read(file)
            let verdict = KeySetVerifier(pinnedRoots: try RootKeyFiles.publicKeys(at: root))
                .verify(String(decoding: data, as: UTF8.self), heldSeq: heldSeq, now: now ?? Int64(Date().timeIntervalSince1970))
            if json {
                var object: [String: Any] = ["reason": verdict.reason.rawValue, "ok": verdict.isOK]
                if !verdict.detail.isEmpty { object["detail"] = verdict.detail }
                if let document = verdict.document {
                    object["seq"] = document.seq
                    object["iat"] = document.iat
                    object["exp"] = document.exp
                    object["keys"] = document.keys.map { ["kid": $0.kid ?? "", "status": $0.status ?? "active"] }
                }
                if let signer = verdict.signer { object["root"] = signer.id.base64URL }
                if let newRoot = verdict.newRoot { object["new_root"] = newRoot.id.base64URL }
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                FileHandleOutput.standardOutput.write(data + Data("\n".utf8))
            } else if verdict.isOK, let document = verdict.document {
                print("OK: key set seq \(document.seq), \(document.keys.count) keys, valid until \(describeTime(document.exp))")
                for key in document.keys { print("  \(key.kid ?? "?") \(key.status ?? "active")") }
                if let newRoot = verdict.newRoot { print("  announces new root \(newRoot.id), endorsed by the pinned root") }
            } else {
                print("REFUSED: \(verdict.reason.rawValue): \(verdict.reason.explanation)\(verdict.detail.isEmpty ? "" : " (\(verdict.detail))")")
            }
            if !verdict.isOK { throw ExitCode(ExitStatus.refused) }
        }
    }
}

private func write(_ data: Data, to path: String?) throws(CommandFailure) {
    guard let path else {
        FileHandleOutput.standardOutput.write(data)
        return
    }
    do { try SecureFile.write(data, to: path, mode: 0o644, replacing: true) } catch { throw .failed(error.message) }
}
