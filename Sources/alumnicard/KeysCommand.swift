import ArgumentParser
import CLISupport
import CardToken
import Foundation

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage token signing keys: the issuer's rotating keys, key files and the root key.",
        subcommands: [List.self, Rotate.self, Revoke.self, Root.self, Generate.self, Public.self]
    )

    /// The algorithms by their command-line names.
    enum Algorithm: String, ExpressibleByArgument, CaseIterable {
        case ed25519
        case hs256
        case hs256_64 = "hs256-64"

        var cose: CoseAlgorithm {
            switch self {
            case .ed25519: .edDSA
            case .hs256: .hmac256
            case .hs256_64: .hmac256Truncated64
            }
        }
    }

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new private signing key as a JWK file (mode 0600).",
            discussion: "Ed25519 is the default and the right choice when merchants verify offline: they hold only the public key. HMAC keys are secrets every verifier must hold; use them only where every verifier is trusted."
        )

        @Option(help: "The algorithm: \(Algorithm.allCases.map(\.rawValue).joined(separator: ", ")).")
        var alg: Algorithm = .ed25519

        @Option(help: "Where to write the key file. An existing file is never replaced without --force.")
        var out: String

        @Flag(help: "Replace the file at --out if it exists.")
        var force = false

        func run() throws {
            let key = SigningKey.generate(alg.cose)
            try KeyFiles.write(key, to: out, replacing: force)
            printError("wrote \(alg.cose) key \(key.id) to \(out) (mode 0600)")
        }
    }

    struct Public: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the JWK Set of the public keys of one or more key files.",
            discussion: "The output is what `alumnicard token verify --keys` and verifiers load. HMAC keys have no public part; their secret is printed only with --include-secrets, for closed deployments whose verifiers are all trusted."
        )

        @Argument(help: "Key files written by `alumnicard keys generate`.")
        var files: [String]

        @Flag(help: "Include HMAC secrets. Never publish the result.")
        var includeSecrets = false

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("give at least one key file") }
        }

        func run() throws {
            var keys: [TrustedKey] = []
            for file in files {
                let key = try KeyFiles.signingKey(at: file)
                if key.algorithm.isSymmetric && !includeSecrets {
                    throw CommandFailure.usage("\(file) is an HMAC key, which has no public part; verifiers of HMAC tokens need the secret itself. Pass --include-secrets to print it, and keep the output secret")
                }
                keys.append(key.verificationKey())
            }
            let set: TrustedKeySet
            do { set = try TrustedKeySet(keys: keys) } catch { throw CommandFailure.usage(error.message) }
            FileHandleOutput.standardOutput.write(set.jwkSet(includingSecrets: includeSecrets).json() + Data("\n".utf8))
        }
    }
}
