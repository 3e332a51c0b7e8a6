import ArgumentParser
import CLISupport

/// `alumnicard`: the issuer's command line.
@main
struct AlumniCardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alumnicard",
        abstract: "The AlumniCard issuer: run the daemon, manage cards, accounts and keys, issue and check AC1 tokens, draw QR codes.",
        subcommands: [ServeCommand.self, DemoCommand.self, CardsCommand.self, AccountsCommand.self, ApplicationsCommand.self, AdminTokensCommand.self, StaffCommand.self,
                      MerchantsCommand.self, CalendarCommand.self, MailCommand.self, ChallengeCommand.self,
                      KeysCommand.self, KeySetCommand.self, KEKCommand.self, TokenCommand.self, QRCommand.self, BackupCommand.self, StorageCommand.self]
    )

    static func main() async {
        await runWithExitStatuses()
    }
}
