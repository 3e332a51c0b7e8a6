import ArgumentParser
import CLISupport
import Foundation
import IssuerCore
import IssuerService
import IssuerStore

/// `alumnicard accounts`: passwords and account status.
struct AccountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts",
        abstract: "Set an alumnus's password; suspend or reinstate an account.",
        subcommands: [SetPassword.self, Suspend.self, Reinstate.self]
    )

    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-password",
            abstract: "Set a password, read as one line from standard input (never from the command line, where other users can see it).")

        @OptionGroup var store: StoreOptions

        @Argument(help: "The student ID.")
        var studentID: String

        func run() async throws {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw CommandFailure.usage("give the password as one line on standard input")
            }
            if let problem = PasswordHasher.problem(with: line) { throw CommandFailure.usage(problem) }
            try await store.withServices { services in
                try await services.accountAdministration.setPassword(studentID: studentID, password: line, actor: store.auditActor)
            }
            print("password set for \(studentID); their sessions were ended")
        }
    }

    struct StatusChange: ParsableArguments {
        @OptionGroup var store: StoreOptions

        @Argument(help: "The student ID.")
        var studentID: String

        @Option(help: "Why, for the audit log.")
        var reason: String

        func apply(_ status: HolderStatus) async throws {
            try await store.withServices { services in
                try await services.accountAdministration.setHolderStatus(studentID: studentID, status: status, reason: reason, actor: store.auditActor)
            }
            print("account \(studentID) is now \(status.rawValue)")
        }
    }

    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Suspend an account: it cannot log in, and its sessions end.")
        @OptionGroup var change: StatusChange
        func run() async throws { try await change.apply(.suspended) }
    }

    struct Reinstate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reinstate a suspended account.")
        @OptionGroup var change: StatusChange
        func run() async throws { try await change.apply(.active) }
    }
}
