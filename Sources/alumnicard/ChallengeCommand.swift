import AccountRules
import ArgumentParser
import CLISupport
import Foundation

/// `alumnicard challenge solve`: what a browser does for the human check,
/// for scripts and the first-run walk-through (docs/issuer.md).
struct ChallengeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "challenge",
        abstract: "Solve a human-check challenge from GET /v1/challenge.",
        subcommands: [Solve.self]
    )

    struct Solve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a challenge (JSON) on standard input and print the altcha value that answers it.",
            discussion: "curl -s http://127.0.0.1:8080/v1/challenge | alumnicard challenge solve")

        func run() throws {
            let input = FileHandle.standardInput.readData(ofLength: 64 * 1024)
            guard let challenge = try? JSONDecoder().decode(HumanCheck.Challenge.self, from: input) else {
                throw CommandFailure.usage("standard input is not the JSON of GET /v1/challenge")
            }
            guard challenge.maxnumber <= 10_000_000, let solution = HumanCheck.solve(challenge) else {
                throw CommandFailure.failed("no number up to \(challenge.maxnumber) solves this challenge")
            }
            print(HumanCheck.encode(solution))
        }
    }
}
