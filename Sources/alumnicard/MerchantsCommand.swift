import ArgumentParser
import CLISupport
import Foundation
import IssuerCore
import IssuerService
import IssuerStore

/// `alumnicard merchants`: the partner merchant directory, from the command line.
struct MerchantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merchants",
        abstract: "Import the partner merchant directory from a CSV file, or list it.",
        subcommands: [Import.self, List.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or replace merchants from a CSV file, all or nothing.",
            discussion: "Columns: merchant_id, name_zh, name_en, category, address, offer_zh, offer_en, valid_from, valid_until (YYYY-MM-DD), and optionally phone and url (docs/cards.md). Every row is reported; if any row is rejected nothing is written (exit 1)."
        )

        @OptionGroup var store: StoreOptions

        @Argument(help: "The CSV file ('-' for standard input).")
        var file: String

        @Flag(help: "Check every row and report, but write nothing.")
        var dryRun = false

        func run() async throws {
            let data = try ImportFile.read(file, limit: MerchantCSV.maximumBytes)
            let report = try await store.withServices { services in
                do {
                    return try await services.merchantDirectory.importCSV(data, actor: store.auditActor, dryRun: dryRun)
                } catch let error as IssuerError {
                    throw CommandFailure.failed("\(file): \(error.message)")
                }
            }
            for row in report.rows {
                print("line \(row.line): \(row.action.rawValue)\(row.merchantID.map { " \($0)" } ?? "")\(row.detail.isEmpty ? "" : ": \(row.detail)")")
            }
            try ImportFile.finish(applied: report.applied, rejected: report.rejected, summary: report.summary)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every merchant, with the dates its offer runs.")

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let merchants = try await store.withServices { try await $0.merchantDirectory.all() }
            for merchant in merchants {
                print("\(merchant.id)\t\(merchant.category)\t\(merchant.validFrom)…\(merchant.validUntil)\t\(merchant.nameChinese) / \(merchant.nameEnglish)")
            }
            if merchants.isEmpty { print("no merchants; import them with `alumnicard merchants import FILE`") }
        }
    }
}
