import ArgumentParser
import CLISupport

/// `alumnicard`: the issuer's command line.
@main
struct AlumniCardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alumnicard",
        abstract: "Issue and check AlumniCard AC1 tokens, draw them as QR codes, and manage the issuer's keys.",
        subcommands: [KeysCommand.self, KeySetCommand.self, KEKCommand.self, TokenCommand.self, QRCommand.self]
    )

    static func main() async {
        await runWithExitStatuses()
    }
}
