import DaemonSupport
import Foundation
import IssuerService
import Logging
import Synchronization
import Testing

/// `logging.format: json`: one parseable object a line, stable keys.
@Suite struct JSONLogHandlerTests {
    @Test func eachEventIsOneJSONObjectWithStableKeys() throws {
        let lines = Mutex<[String]>([])
        var handler = JSONLogHandler(label: "alumnicard") { line in lines.withLock { $0.append(line) } }
        handler.logLevel = .info
        handler[metadataKey: "instance"] = "a"
        let logger = Logger(label: "alumnicard", factory: { _ in handler })
        logger.info("login failed: \"quoted\"\nsecond line\u{0007} 臺大", metadata: ["login": "b07000001", "client": "203.0.113.9"])
        logger.debug("below the level")
        logger.warning("plain")
        let written = lines.withLock { $0 }
        #expect(written.count == 2)
        #expect(written.allSatisfy { $0.hasSuffix("}\n") && $0.dropLast().contains("\n") == false })
        let first = try #require(try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: Any])
        #expect(Set(first.keys) == ["ts", "level", "label", "source", "message", "metadata"])
        #expect(first["level"] as? String == "info" && first["label"] as? String == "alumnicard")
        #expect(first["message"] as? String == "login failed: \"quoted\"\nsecond line\u{0007} 臺大")
        #expect(first["metadata"] as? [String: String] == ["login": "b07000001", "client": "203.0.113.9", "instance": "a"])
        let ts = try #require(first["ts"] as? String)
        #expect(ts.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil, "\(ts)")
        let second = try #require(try JSONSerialization.jsonObject(with: Data(written[1].utf8)) as? [String: Any])
        #expect(second["level"] as? String == "warning")
        #expect(Set(second.keys) == Set(first.keys) && (second["metadata"] as? [String: String]) == ["instance": "a"])
    }

    @Test func theFormatIsAConfigurationChoice() throws {
        #expect(try IssuerConfiguration.load(path: nil, environment: ["ALUMNICARD_LOGGING_FORMAT": "json"]).logFormat == .json)
        #expect(try IssuerConfiguration.load(path: nil, environment: [:]).logFormat == .text)
        #expect(throws: ConfigurationError.self) { try IssuerConfiguration.load(path: nil, environment: ["ALUMNICARD_LOGGING_FORMAT": "xml"]) }
    }
}
