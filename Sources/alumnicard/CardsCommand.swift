import ArgumentParser
import CLISupport
import Foundation
import IssuerCore
import IssuerService
import IssuerStore
import SecureFiles

/// `alumnicard cards`: holders and cards from the registrar, and card status.
struct CardsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cards",
        abstract: "Import holders and cards from the registrar's CSV; suspend, revoke or reinstate a card.",
        subcommands: [Import.self, Suspend.self, Revoke.self, Reinstate.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load or update holders and cards from a CSV file, all or nothing.",
            discussion: "Columns: student_id, display_name, card_number, valid_through (YYYY-MM-DD), and optionally email and status. Every row is reported; if any row is rejected nothing is written (exit 1)."
        )

        @OptionGroup var store: StoreOptions

        @Argument(help: "The CSV file ('-' for standard input).")
        var file: String

        @Flag(help: "Check every row and report, but write nothing.")
        var dryRun = false

        @Flag(help: "Print the report as JSON.")
        var json = false

        func run() async throws {
            let data = try ImportFile.read(file, limit: RegistrarCSV.maximumBytes)
            // The admin API's import: holders given a national ID get their "account open" mail.
            let report = try await store.withServices { services in
                do {
                    return try await services.accountAdministration.importRegistrar(data, actor: store.auditActor, dryRun: dryRun)
                } catch let error as IssuerError {
                    throw CommandFailure.failed("\(file): \(error.message)")
                }
            }
            if json {
                guard let encoded = prettyJSON(report) else { throw CommandFailure.failed("cannot encode the report") }
                FileHandleOutput.standardOutput.write(encoded + Data("\n".utf8))
            } else {
                for row in report.rows {
                    let who = [row.studentID, row.cardNumber].compactMap { $0 }.joined(separator: " / ")
                    print("line \(row.line): \(row.action.rawValue)\(who.isEmpty ? "" : " \(who)")\(row.detail.isEmpty ? "" : ": \(row.detail)")")
                }
                let summary = "\(report.count(.created)) created, \(report.count(.updated)) updated, \(report.count(.unchanged)) unchanged, \(report.rejected) rejected"
                try ImportFile.finish(applied: report.applied, rejected: report.rejected, summary: summary)
                return
            }
            if report.rejected > 0 { throw ExitCode(ExitStatus.refused) }
        }
    }

    struct StatusChange: ParsableArguments {
        @OptionGroup var store: StoreOptions

        @Argument(help: "The card number.")
        var number: String

        @Option(help: "Why, for the audit log.")
        var reason: String

        func apply(_ status: CardStatus) async throws {
            let card = try await store.withServices { services in
                try await services.accountAdministration.setStatus(number: number, status: status, reason: reason, actor: store.auditActor)
            }
            print("card \(card.number) is now \(card.status.rawValue)")
        }
    }

    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Suspend a card: no new tokens until it is reinstated.")
        @OptionGroup var change: StatusChange
        func run() async throws { try await change.apply(.suspended) }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a card for good: no new tokens, ever.")
        @OptionGroup var change: StatusChange
        func run() async throws { try await change.apply(.revoked) }
    }

    struct Reinstate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reinstate a suspended card.")
        @OptionGroup var change: StatusChange
        func run() async throws { try await change.apply(.active) }
    }
}
