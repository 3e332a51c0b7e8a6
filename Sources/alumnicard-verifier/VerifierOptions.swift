import ArgumentParser
import CLISupport
import DaemonSupport
import Foundation
import Logging
import VerifierService

/// The settings every command shares: `--config` and the flags that
/// override it, so several verifiers can run side by side.
struct VerifierOptions: ParsableArguments {
    @Option(help: "The configuration file (default: $ALUMNICARD_VERIFIER_CONFIG, else /etc/alumnicard/verifier.yaml if it exists).")
    var config: String?

    @Option(help: "The issuer's key set URL (overrides issuer.keyset_url).")
    var keysetURL: String?

    @Option(help: "A pinned root public key file, JWK or JWK Set (overrides issuer.root_keys; repeat for several).")
    var root: [String] = []

    @Option(help: "The data directory: key set cache and audit log (overrides storage.data_dir).")
    var dataDir: String?

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    func configuration() throws(CommandFailure) -> VerifierConfiguration {
        var path = config ?? environment["ALUMNICARD_VERIFIER_CONFIG"]
        if path == nil, FileManager.default.fileExists(atPath: "/etc/alumnicard/verifier.yaml") { path = "/etc/alumnicard/verifier.yaml" }
        var configuration: VerifierConfiguration
        do { configuration = try VerifierConfiguration.load(path: path, environment: environment) } catch {
            throw .usage("invalid configuration: \(error)")
        }
        if let keysetURL { configuration.keySetURL = keysetURL }
        if !root.isEmpty { configuration.rootKeyFiles = root }
        if let dataDir { configuration.dataDirectory = dataDir }
        return configuration
    }

    /// The services, with the configuration checked and the cache loaded.
    func open(logLevel: Logger.Level = .warning, validate: Bool = true) throws(CommandFailure) -> VerifierServices {
        let configuration = try configuration()
        if validate {
            do { try configuration.validate() } catch { throw .usage("invalid configuration: \(error)") }
        }
        var logger = Logger(label: "alumnicard-verifier")
        logger.logLevel = logLevel
        do { return try VerifierServices(configuration: configuration, logger: logger) } catch {
            throw .failed(error.message)
        }
    }
}
