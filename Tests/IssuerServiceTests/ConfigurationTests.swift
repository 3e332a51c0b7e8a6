import AccountRules
import CardKeys
import CardToken
import DaemonSupport
import Foundation
import GRDB
import IssuerCore
import IssuerService
import NIOCore
import Testing
import TestSupport

@Suite("Issuer configuration")
struct ConfigurationTests {
    func write(_ text: String) throws -> String {
        let path = try ProjectPaths.temporaryDirectory("config").appendingPathComponent("issuer.yaml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func theDatabaseCapIsBytesOfAtLeastOneMebibyteOrNone() throws {
        #expect(try IssuerConfiguration.load(path: nil, environment: ["ALUMNICARD_STORAGE_MAX_DATABASE_BYTES": "2097152"]).maxDatabaseBytes == 2_097_152)
        #expect(try IssuerConfiguration.load(path: nil, environment: ["ALUMNICARD_STORAGE_MAX_DATABASE_BYTES": "0"]).maxDatabaseBytes == nil)
        for bad in ["4096", "-1", "2MiB"] {
            #expect(throws: ConfigurationError.self, "\(bad)") {
                try IssuerConfiguration.load(path: nil, environment: ["ALUMNICARD_STORAGE_MAX_DATABASE_BYTES": bad])
            }
        }
    }

    @Test func theDocumentedFileStatesTheDefaults() throws {
        let documented = try IssuerConfiguration.load(path: ProjectPaths.packageRoot.appendingPathComponent("Config/issuer.yaml").path, environment: [:])
        let defaults = try IssuerConfiguration.load(path: nil, environment: [:])
        #expect(documented.rotationPolicy == defaults.rotationPolicy)
        #expect(documented.port == defaults.port && documented.host == defaults.host)
        #expect(documented.refreshInterval == 300 && documented.tokenGrace == 60 && documented.nextTokenLead == 60)
        #expect(documented.sessionLifetime == defaults.sessionLifetime && documented.bcryptCost == defaults.bcryptCost)
        #expect(documented.dataDirectory == defaults.dataDirectory && documented.timeZone == defaults.timeZone)
        #expect(documented.firstLogin == defaults.firstLogin && documented.resetLifetime == defaults.resetLifetime)
        #expect(documented.passwordPolicy == defaults.passwordPolicy)
        #expect(documented.maxDatabaseBytes == nil && defaults.maxDatabaseBytes == nil)
        #expect(documented.humanCheckMaxNumber == defaults.humanCheckMaxNumber && documented.humanCheckLogin == defaults.humanCheckLogin
                && documented.humanCheckLifetime == defaults.humanCheckLifetime)
        #expect(documented.calendarFiles == defaults.calendarFiles && documented.reviewWorkingDays == defaults.reviewWorkingDays)
        #expect(documented.maxDocumentBytes == defaults.maxDocumentBytes && documented.maxPhotoBytes == defaults.maxPhotoBytes)
        #expect(documented.documentRetention == defaults.documentRetention && documented.maxConcurrentUploads == defaults.maxConcurrentUploads)
        #expect(documented.smtpHost == nil && documented.smtpPort == defaults.smtpPort && documented.startTLS == defaults.startTLS)
        #expect(documented.mailFrom == defaults.mailFrom && documented.mailFromName == defaults.mailFromName
                && documented.mailGiveUpAfter == defaults.mailGiveUpAfter && documented.mailRetryInitial == defaults.mailRetryInitial)
        #expect(documented.maxPrefetchWindows == defaults.maxPrefetchWindows && documented.firstCardFee == defaults.firstCardFee
                && documented.renewalFee == defaults.renewalFee && documented.issueOn == defaults.issueOn)
        #expect(documented.cardValidityMonths == defaults.cardValidityMonths && documented.renewalWindowMonths == defaults.renewalWindowMonths
                && documented.cardNumberPrefix == defaults.cardNumberPrefix)
        // The calendars it names are the ones shipped beside it.
        #expect(try IssuerServices.officeCalendar(documented).listedDays == 365 * 3)
    }

    @Test func cardSettingsAreReadAndBadOnesNamed() throws {
        let path = try write("cards:\n  fees:\n    first: 350\n    renewal: 0\n  issue_on: payment\n  validity: 2y\n  renewal_window: 2mo\n")
        let read = try IssuerConfiguration.load(path: path, environment: ["ALUMNICARD_CARDS_NUMBER_PREFIX": "NTU"])
        #expect(read.firstCardFee == 350 && read.renewalFee == 0 && read.issueOn == .payment)
        #expect(read.cardValidityMonths == 24 && read.renewalWindowMonths == 2 && read.cardNumberPrefix == "NTU")
        for (key, value) in [("CARDS_VALIDITY", "12 months"), ("CARDS_VALIDITY", "0mo"), ("CARDS_ISSUE_ON", "later"), ("CARDS_NUMBER_PREFIX", "ntu"),
                             ("CARDS_FEES_FIRST", "-1"), ("TOKENS_MAX_PREFETCH_WINDOWS", "0")] {
            #expect(throws: ConfigurationError.self, "\(key)=\(value)") {
                try IssuerConfiguration.load(path: nil, environment: ["ALUMNICARD_" + key: value])
            }
        }
    }

    @Test func environmentOverridesTheFile() throws {
        let path = try write("server:\n  port: 9000\nkeys:\n  rotation_period: 45d\n")
        let configuration = try IssuerConfiguration.load(path: path, environment: ["ALUMNICARD_SERVER_PORT": "9100", "ALUMNICARD_LOGIN_LOCKOUT": "20m"])
        #expect(configuration.port == 9100)
        #expect(configuration.rotationPeriod == 45 * 86_400)
        #expect(configuration.lockout == 1_200)
    }

    @Test(arguments: [
        ("server:\n  port: eighty\n", "server.port"),
        ("server:\n  port: 70000\n", "server.port"),
        ("server:\n  prot: 80\n", "server.prot"),
        ("issuer:\n  time_zone: Mars/Olympus\n", "issuer.time_zone"),
        ("issuer:\n  algorithm: rsa\n", "issuer.algorithm"),
        ("tokens:\n  next_token_lead: 400\n", "tokens.next_token_lead"),
        ("keys:\n  rotation_period: 2h\n", "keys.rotation_period"),
        ("keys:\n  check_interval: soon\n", "keys.check_interval"),
        ("server: 8080\n", "server"),
    ])
    func invalidSettingsNameTheirKey(yaml: String, key: String) throws {
        let path = try write(yaml)
        #expect { try IssuerConfiguration.load(path: path, environment: [:]) } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }

    /// Found by fuzzing (`issuer-config`): a key that is a list or a mapping
    /// trapped inside the YAML library, so a config file could crash start-up.
    @Test(arguments: [
        "? [server]\n: {port: 80}\n",
        "server:\n  {a: b}: 80\n",
        "{[server, keys]: 1}\n",
        "server:\n  port: 80\n  ? - a\n    - b\n  : c\n",
        "cards:\n  fees:\n    ? {first: 1}\n    : 200\n",
    ])
    func keysThatAreNotNamesAreRefusedWithTheirLine(yaml: String) throws {
        #expect { try IssuerConfiguration.load(yaml: yaml) } throws: { error in
            let error = error as? ConfigurationError
            return error?.key == "" && error?.problem.contains("a key is a list or a mapping") == true && error?.problem.contains("line ") == true
        }
    }

    /// Found by fuzzing (`verifier-config`): the YAML library sorts a
    /// mapping's duplicate keys, comparing nested keys in time exponential in
    /// their depth, so 492 bytes of repeated `? - ? - ?` keys took 12 s to
    /// minutes; an alias as a key would have it hash all the alias stands
    /// for. Such keys are now refused from the parser's events, before the
    /// library builds or compares anything.
    @Test(arguments: ["23e22186b11b0ef8e65b46cd713ffff619282e73", "c126a85bf2db1e526bea3a6a6d4bc39f8849b1e8"])
    func nestedRepeatedKeysAreRefusedBeforeTheYAMLLibraryComparesThem(corpusFile: String) throws {
        let text = try String(contentsOf: ProjectPaths.packageRoot.appendingPathComponent("Fuzz/corpus/verifier-config/\(corpusFile)"), encoding: .utf8)
        #expect { try IssuerConfiguration.load(yaml: text) } throws: { error in
            (error as? ConfigurationError)?.problem.contains("a key is a list or a mapping") == true
        }
    }

    @Test(arguments: [
        "a: &a [1, [2, 3]]\n*a : 1\n",
        "a: &a x\nb: {*a : 1}\n",
        "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: &c [*b, *b, *b]\n? *c\n: 1\n",
    ])
    func aliasesAsKeysAreRefusedWithTheirLine(yaml: String) throws {
        #expect { try IssuerConfiguration.load(yaml: yaml) } throws: { error in
            let problem = (error as? ConfigurationError)?.problem ?? ""
            return problem.contains("a key is an alias") && problem.contains("line ")
        }
    }

    /// Also found by fuzzing: YAML 1.1 reads `1:30` as sexagesimal 90, and the
    /// YAML library's arithmetic trapped on one that overflows. Integers are
    /// decimal here; anything else is text, refused by the key that wanted a number.
    @Test(arguments: [
        ("server:\n  port: -222222222222222222:2\n", "server.port"),
        ("server:\n  port: 0x1F90\n", "server.port"),
        ("server:\n  port: 99999999999999999999999\n", "server.port"),
        ("-222222222222222222:2\n", ""),
    ])
    func numbersTheYAMLLibraryCouldNotBuildAreRefusedByKey(yaml: String, key: String) throws {
        #expect { try IssuerConfiguration.load(yaml: yaml) } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }

    @Test func decimalNumbersMayGroupTheirDigits() throws {
        #expect(try IssuerConfiguration.load(yaml: "server:\n  port: 9_000\n").port == 9000)
    }

    @Test(arguments: [
        ("server:\n  port: 80\n  port: 81\n", "duplicated key(s): 'port'"),
        ("base: &b {port: 80}\nserver:\n  <<: *b\n", "merge keys (<<) are not read"),
    ])
    func repeatedAndMergedKeysAreRefusedWithTheirLine(yaml: String, problem: String) throws {
        #expect { try IssuerConfiguration.load(yaml: yaml) } throws: { error in
            let error = error as? ConfigurationError
            return error?.problem.contains(problem) == true && error?.problem.contains("line ") == true
        }
    }

    /// Each use of an alias is a copy of what it names: nine levels of nine
    /// make 387 million values from 1 KiB unless the reader counts them.
    @Test func aliasesThatStandForMillionsOfValuesAreRefused() throws {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            let previous = "*a\(level - 1)"
            yaml += "a\(level): &a\(level) [\(Array(repeating: previous, count: 9).joined(separator: ", "))]\n"
        }
        #expect { try IssuerConfiguration.load(yaml: yaml) } throws: { error in
            (error as? ConfigurationError)?.problem.contains("more than \(10_000) values") == true
        }
        // A few aliases are still fine: the count is only a bound.
        let small = try IssuerConfiguration.load(yaml: "server: &s\n  port: 9000\n")
        #expect(small.port == 9000)
    }

    @Test func badEnvironmentValuesNameTheVariable() throws {
        #expect { try IssuerConfiguration.load(path: nil, environment: ["ALUMNICARD_TOKENS_GRACE": "a while"]) } throws: { error in
            let error = error as? ConfigurationError
            return error?.key == "tokens.grace" && error?.problem.contains("$ALUMNICARD_TOKENS_GRACE") == true
        }
    }

    @Test func durationsTakeUnits() {
        #expect(ConfigurationReader.parseDuration("90") == 90)
        #expect(ConfigurationReader.parseDuration("90s") == 90)
        #expect(ConfigurationReader.parseDuration("5m") == 300)
        #expect(ConfigurationReader.parseDuration("12h") == 43_200)
        #expect(ConfigurationReader.parseDuration("30d") == 2_592_000)
        #expect(ConfigurationReader.parseDuration("-5m") == nil)
        #expect(ConfigurationReader.parseDuration("5w") == nil)
        #expect(ConfigurationReader.parseDuration("99999999999999999999d") == nil)
    }
}
