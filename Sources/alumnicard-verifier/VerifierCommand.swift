import ArgumentParser
import CLISupport

/// `alumnicard-verifier`: the merchant's offline verifier.
@main
struct VerifierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alumnicard-verifier",
        abstract: "Check AlumniCard QR codes offline, against the issuer's root-signed key set.",
        subcommands: [ServeCommand.self, SyncCommand.self, VerifyCommand.self, StatusCommand.self, AuditCommand.self]
    )

    static func main() async {
        await runWithExitStatuses()
    }
}
