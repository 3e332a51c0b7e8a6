import ArgumentParser
import CLISupport
import CardToken
import Foundation

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Issue and verify AC1 card tokens.",
        subcommands: [Issue.self, Verify.self]
    )

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign a token for a card and print its QR text.")

        @Option(help: "The private key file (JWK) to sign with.")
        var key: String

        @Option(help: "The card number (1–32 bytes; not the student ID).")
        var card: String

        @Option(help: "The holder's display name as it should appear, already masked (1–64 bytes).")
        var name: String

        @Option(help: "The last day the card is valid, YYYY-MM-DD.")
        var validThrough: String

        @Option(help: "Seconds the token stays valid: the refresh interval plus grace.")
        var lifetime: Int64 = TokenFormat.defaultLifetime

        @Option(help: "Issue as of this time, in seconds since the Unix epoch (default: now).")
        var now: Int64?

        func run() throws {
            let details: CardDetails
            do {
                details = CardDetails(number: try CardNumber(card), holderName: try HolderName(name),
                                      validThrough: try CardDate(iso8601: validThrough))
            } catch {
                throw CommandFailure.usage(error.message)
            }
            let signingKey = try KeyFiles.signingKey(at: key)
            let issueTime = now ?? Int64(Date().timeIntervalSince1970)
            var generator = SystemRandomNumberGenerator()
            do {
                let issued = try TokenIssuer().issue(card: details, key: signingKey, now: issueTime, lifetime: lifetime, using: &generator)
                print(issued.text)
            } catch {
                throw CommandFailure.usage(error.message)
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a token against trusted keys.",
            discussion: "Exits 0 when the token is ok, 1 when it is refused (the output says why), and 2 on a usage error."
        )

        @Argument(help: "The QR text, starting with AC1:. Use - to read it from standard input.")
        var token: String

        @Option(help: "A JWK Set of trusted keys, as `alumnicard keys public` prints.")
        var keys: String

        @Option(help: "Verify as of this time, in seconds since the Unix epoch (default: now).")
        var now: Int64?

        @Option(help: "Clock leeway in seconds.")
        var leeway: Int64 = TokenFormat.defaultLeeway

        @Option(help: "The issuer's time zone, in which cards expire.")
        var timeZone: String = TokenFormat.defaultTimeZoneIdentifier

        @Flag(help: "Print JSON for scripts; its reason field holds the spec's code.")
        var json = false

        func validate() throws {
            guard leeway >= 0 else { throw ValidationError("--leeway must not be negative") }
            guard TimeZone(identifier: timeZone) != nil else {
                throw ValidationError("--time-zone \(timeZone) is not a time zone identifier such as Asia/Taipei")
            }
        }

        func run() throws {
            let text = token == "-" ? (readLine(strippingNewline: true) ?? "") : token
            let zone = TimeZone(identifier: timeZone)!
            let verifier = TokenVerifier(keys: try KeyFiles.trustedKeys(at: keys), leeway: leeway, issuerTimeZone: zone)
            let at = now ?? Int64(Date().timeIntervalSince1970)
            let report = VerdictReport(verifier.verify(text.trimmingCharacters(in: .whitespacesAndNewlines), now: at), now: at)
            print(json ? VerdictText.json(report) : VerdictText.render(report, timeZone: zone))
            if report.verdict != "ok" { throw ExitCode(ExitStatus.refused) }
        }
    }
}
