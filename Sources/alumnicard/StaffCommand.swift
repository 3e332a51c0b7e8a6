import ArgumentParser
import CLISupport
import Foundation
import IssuerCore
import IssuerService
import IssuerStore

/// `alumnicard staff`: the staff console's accounts.
struct StaffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staff",
        abstract: "Create, list and disable staff console accounts (password plus a TOTP authenticator; roles as admin tokens have them).",
        subcommands: [Create.self, List.self, Disable.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a staff account. Its password is printed once (or read from standard input with --password-stdin); the authenticator is set up at the first sign-in to /staff/login.")

        @OptionGroup var store: StoreOptions

        @Argument(help: "The sign-in name: a–z, 0–9, '-', '_', '.', '@' (case does not matter).")
        var name: String

        @Option(help: "auditor (keys, merchants), reviewer (also account applications), operator (also card payments) or admin.")
        var role: String

        @Option(help: "The name shown in the console (default: the sign-in name).")
        var displayName: String?

        @Flag(help: "Read the password as one line from standard input instead of making one.")
        var passwordStdin = false

        func run() async throws {
            guard let parsed = AdminRole(rawValue: role) else { throw CommandFailure.usage("--role is auditor, reviewer, operator or admin") }
            let password: String
            if passwordStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw CommandFailure.usage("give the password as one line on standard input") }
                if let problem = PasswordHasher.problem(with: line) { throw CommandFailure.usage(problem) }
                password = line
            } else {
                password = StaffCommand.newPassword()
            }
            let configuration = try store.configuration()
            let created = try await store.withServices { services in
                try await services.staffAdministration.createStaff(name: name, displayName: displayName, role: parsed, password: password, actor: store.auditActor)
            }
            print("staff \(created) (\(parsed.rawValue)) created")
            if !passwordStdin { print("password (shown once): \(password)") }
            print("at the first sign-in to \(configuration.baseURL)/staff/login, the console shows a QR code for an authenticator app")
        }
    }

    /// Four groups of four letters and digits without look-alikes: about 80 bits.
    static func newPassword() -> String {
        let alphabet = Array("23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ")
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String((0..<4).map { _ in alphabet.randomElement(using: &generator)! }) }.joined(separator: "-")
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List staff accounts (never passwords or secrets).")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let members = try await store.withServices { try await $0.staffAdministration.staffMembers() }
            if members.isEmpty { print("no staff accounts; `alumnicard staff create NAME --role reviewer` makes one") }
            for member in members {
                print("\(member.name)  \(member.role.rawValue)  \(member.displayName)  created \(describeTime(member.createdAt))"
                      + (member.enrolled ? ", authenticator set up" : ", authenticator not set up yet")
                      + (member.disabledAt.map { ", disabled \(describeTime($0))" } ?? ""))
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a staff account and end its sessions.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The sign-in name.")
        var name: String

        func run() async throws {
            try await store.withServices { try await $0.staffAdministration.disableStaff(name: name, actor: store.auditActor) }
            print("staff \(name) disabled; their sessions were ended")
        }
    }
}
