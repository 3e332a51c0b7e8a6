import DaemonSupport
import Foundation
import TestSupport
import Testing
import VerifierService

@Suite("Verifier configuration")
struct VerifierConfigurationTests {
    @Test func theDocumentedFileStatesTheDefaults() throws {
        let documented = try VerifierConfiguration.load(path: ProjectPaths.packageRoot.appendingPathComponent("Config/verifier.yaml").path, environment: [:])
        let defaults = try VerifierConfiguration.load(path: nil, environment: [:])
        #expect(documented.refreshInterval == defaults.refreshInterval && documented.offlineGrace == defaults.offlineGrace)
        #expect(documented.maximumBackoff == defaults.maximumBackoff && documented.fetchTimeout == defaults.fetchTimeout)
        #expect(documented.leeway == defaults.leeway && documented.replayPolicy == defaults.replayPolicy)
        #expect(documented.replayCapacity == defaults.replayCapacity && documented.port == defaults.port)
        #expect(documented.dataDirectory == defaults.dataDirectory && documented.auditRetentionDays == defaults.auditRetentionDays)
        // Without the two required keys, start-up says what is missing.
        #expect { try documented.validate() } throws: { ($0 as? ConfigurationError)?.key == "issuer.keyset_url" }
    }

    @Test func environmentOverridesAndBadValuesNameTheKey() throws {
        let configuration = try VerifierConfiguration.load(path: nil, environment: [
            "ALUMNICARD_VERIFIER_VERIFY_REPLAY_POLICY": "reject", "ALUMNICARD_VERIFIER_SYNC_REFRESH_INTERVAL": "2m"])
        #expect(configuration.replayPolicy == .reject && configuration.refreshInterval == 120)
        #expect { try VerifierConfiguration.load(path: nil, environment: ["ALUMNICARD_VERIFIER_VERIFY_REPLAY_POLICY": "sometimes"]) } throws: {
            ($0 as? ConfigurationError)?.key == "verify.replay_policy"
        }
        var missingRoot = VerifierConfiguration()
        missingRoot.keySetURL = "https://issuer.example/.well-known/alumni-card/keyset.jws"
        #expect { try missingRoot.validate() } throws: { ($0 as? ConfigurationError)?.key == "issuer.root_keys" }
        missingRoot.keySetURL = "ftp://nope"
        #expect { try missingRoot.validate() } throws: { ($0 as? ConfigurationError)?.key == "issuer.keyset_url" }
    }

    @Test func yamlTextIsReadByTheDaemonsRules() throws {
        // The fuzz target's way in (`verifier-config`) is the daemon's reader, not a second one.
        let text = "verify:\n  replay_policy: reject\n  leeway: 2m\nserver:\n  allowed_hosts: [Till-1.Shop.Example]\n"
        let configuration = try VerifierConfiguration.load(yaml: text)
        #expect(configuration.replayPolicy == .reject && configuration.leeway == 120 && configuration.allowedHosts == ["till-1.shop.example"])
        #expect { try VerifierConfiguration.load(yaml: "verify:\n  leeway: 2h\n") } throws: { ($0 as? ConfigurationError)?.key == "verify.leeway" }
        #expect { try VerifierConfiguration.load(yaml: "verify:\n  replay_polcy: reject\n") } throws: { ($0 as? ConfigurationError)?.key == "verify.replay_polcy" }
    }
}
