import ArgumentParser
import CLISupport
import DaemonSupport
import Foundation
import IssuerCore
import IssuerService
import IssuerStore
import SecureFiles

/// `alumnicard admin-tokens`: administrator bearer tokens for the admin API.
struct AdminTokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin-tokens",
        abstract: "Create, list and revoke administrator tokens (roles: auditor, reviewer, operator, admin).",
        subcommands: [Create.self, List.self, Revoke.self, Generate.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a named token; it is printed once and only its hash is kept.")

        @OptionGroup var store: StoreOptions

        @Argument(help: "A name for the token (who or what holds it).")
        var name: String

        @Option(help: "auditor (read keys and audit), reviewer (also account applications), operator (also cards and import) or admin (also keys).")
        var role: String

        @Option(help: "How long the token works, as 90d, 12h or seconds; `never` for no expiry.")
        var expiresIn = "90d"

        func run() async throws {
            guard let parsed = AdminRole(rawValue: role) else { throw CommandFailure.usage("--role is auditor, reviewer, operator or admin") }
            var lifetime: Int64?
            if expiresIn != "never" {
                guard let seconds = ConfigurationReader.parseDuration(expiresIn), seconds > 0 else {
                    throw CommandFailure.usage("--expires-in is a duration such as 90d, 12h or 3600, or `never`")
                }
                lifetime = seconds
            }
            let chosenLifetime = lifetime
            let token = try await store.withServices { services in
                try await services.staffAdministration.createAdminToken(name: name, role: parsed, lifetime: chosenLifetime, actor: store.auditActor)
            }
            print(token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List administrator tokens (names and roles, never the tokens).")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let tokens = try await store.withServices { try await $0.staffAdministration.adminTokens() }
            if tokens.isEmpty { print("no administrator tokens; `alumnicard admin-tokens create NAME --role admin` makes one") }
            for token in tokens {
                print("\(token.name)  \(token.role.rawValue)  created \(describeTime(token.createdAt))"
                      + (token.expiresAt.map { ", expires \(describeTime($0))" } ?? ", never expires")
                      + (token.lastUsedAt.map { ", last used \(describeTime($0))" } ?? ", never used")
                      + (token.revokedAt.map { ", revoked \(describeTime($0))" } ?? ""))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by name.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The token's name.")
        var name: String

        func run() async throws {
            try await store.withServices { try await $0.staffAdministration.revokeAdminToken(name: name, actor: store.auditActor) }
            print("revoked \(name)")
        }
    }

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new bootstrap admin token to a 0600 file, for secrets.admin_token_file or the systemd credential \(IssuerCredentials.adminTokenCredential).")
        @Option(help: "The file to write (must not exist).")
        var out: String

        func run() throws {
            do {
                try SecureFile.write(Data((BearerToken.generate(prefix: BearerToken.adminPrefix) + "\n").utf8), to: out, mode: 0o600, replacing: false)
            } catch {
                throw CommandFailure.failed(error.message)
            }
            print("wrote \(out)")
        }
    }
}
