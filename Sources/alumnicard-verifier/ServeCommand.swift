import CardToken
import CardKeys
import ArgumentParser
import CLISupport
import DaemonSupport
import Foundation
import Hummingbird
import Logging
import VerifierService

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the verifier: the scanner page at /, /v1/verify, and the key set sync.",
        discussion: "Settings come from --config (Config/verifier.yaml documents every key), ALUMNICARD_VERIFIER_* variables, then these flags.")

    @OptionGroup var options: VerifierOptions

    @Option(help: "The address to listen on (overrides server.host).")
    var host: String?

    @Option(help: "The port; 0 picks a free one (overrides server.port).")
    var port: Int?

    func run() async throws {
        var configuration = try options.configuration()
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        do { try configuration.validate() } catch { throw CommandFailure.usage("invalid configuration: \(error)") }
        LoggingSetup.bootstrap(level: LoggingSetup.level(configuration.logLevel) ?? .info, format: configuration.logFormat)
        let services: VerifierServices
        do { services = try VerifierServices(configuration: configuration) } catch { throw CommandFailure.failed(error.message) }
        if let held = services.state.held {
            services.logger.info("loaded the cached key set", metadata: ["seq": "\(held.document.seq)", "exp": "\(held.document.exp)"])
        }
        let configured = configuration
        let app = buildVerifierApplication(services, notifier: SystemdNotifier(environment: options.environment)) { port in
            let configuration = configured
            FileHandleOutput.standardOutput.write("""
                alumnicard-verifier: listening on http://\(configuration.host):\(port)
                  scanner page: http://\(configuration.host):\(port)/
                  verify:       POST http://\(configuration.host):\(port)/v1/verify
                  key set from: \(configuration.keySetURL ?? "-")

                """)
        }
        try await app.runService()
    }
}

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sync", abstract: "Fetch the key set now and keep it if it is good and new.")
    @OptionGroup var options: VerifierOptions

    func run() async throws {
        let services = try options.open()
        let outcome = await services.sync.syncOnce()
        switch outcome {
        case .updated(let seq): print("key set updated to seq \(seq)")
        case .unchanged: print("key set unchanged (seq \(services.state.held?.document.seq ?? 0))")
        case .failed(let reason): throw CommandFailure.failed(reason)
        }
    }
}

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a token against the cached key set, offline. Exit 0 ok, 1 refused or cannot decide, 2 usage.")
    @OptionGroup var options: VerifierOptions

    @Argument(help: "The QR text, starting with AC1:. Use - to read it from standard input.")
    var token: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        var text = token
        if token == "-" { text = readLine(strippingNewline: true) ?? "" }
        let services = try options.open(validate: false)
        let report = services.verification.verify(text.trimmingCharacters(in: .whitespacesAndNewlines))
        await services.audit.flush()
        if json {
            guard let data = prettyJSON(report) else { throw CommandFailure.failed("cannot encode the report") }
            FileHandleOutput.standardOutput.write(data + Data("\n".utf8))
        } else {
            print("\(report.verdict.uppercased()) (\(report.reason)): \(report.message)")
            if let name = report.holderName { print("  card   \(report.cardNumber ?? "?"), \(name), valid through \(report.validThrough ?? "?")") }
            if report.seenBefore == true, let first = report.firstSeenAt { print("  seen before, first at \(first)") }
            if let warning = report.clockWarning { print("  warning: \(warning)") }
            if report.verdict != "ok" { print("  detail \(report.detail)") }
        }
        if report.verdict != "ok" { throw ExitCode(ExitStatus.refused) }
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the key set's age and keys, the clock check and the last sync error.")
    @OptionGroup var options: VerifierOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let status = try options.open(validate: false).status()
        if json {
            guard let data = prettyJSON(status) else { throw CommandFailure.failed("cannot encode the status") }
            FileHandleOutput.standardOutput.write(data + Data("\n".utf8))
            return
        }
        print("merchant: \(status.merchant)")
        if let keyset = status.keyset {
            print("key set:  seq \(keyset.seq), \(keyset.ageSeconds) s old, \(keyset.fresh ? "fresh" : keyset.stale ? "STALE: verification answers keyset_stale" : "past exp, within the offline grace"); usable for \(keyset.usableForSeconds) s more")
            for key in keyset.keys { print("  key \(key.kid)  \(key.status)") }
        } else {
            print("key set:  none yet; run `alumnicard-verifier sync` while online")
        }
        print("sync:     \(status.sync.url ?? "no URL"); last success \(status.sync.lastSuccess.map(String.init) ?? "never")\(status.sync.lastError.map { "; last error: \($0)" } ?? "")")
        if let warning = status.sync.warning { print("warning:  \(warning)") }
        print("clock:    \(status.clock.ok ? "ok" : "BEHIND by \(status.clock.behindSeconds) s (decisions are made as of the proven time): set the clock right")")
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "The local audit log of verifications.", subcommands: [Export.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the verifications since a date as CSV (card numbers as keyed hashes).")
        @OptionGroup var options: VerifierOptions

        @Option(help: "The first day to include, YYYY-MM-DD (UTC), or epoch seconds.")
        var since: String

        @Option(help: "The file to write (default: standard output).")
        var out: String?

        func run() async throws {
            let start: Int64
            if let epoch = Int64(since) {
                start = epoch
            } else {
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = [.withFullDate]
                guard let date = formatter.date(from: since) else { throw CommandFailure.usage("--since is YYYY-MM-DD or epoch seconds") }
                start = Int64(date.timeIntervalSince1970)
            }
            let services = try options.open(validate: false)
            let csv: String
            do { csv = VerifierAuditLog.csv(try services.audit.entries(since: start)) } catch { throw CommandFailure.failed(error.message) }
            if let out {
                do { try Data(csv.utf8).write(to: URL(fileURLWithPath: out)) } catch { throw CommandFailure.failed("cannot write \(out): \(error.localizedDescription)") }
            } else {
                FileHandleOutput.standardOutput.write(csv)
            }
        }
    }
}
