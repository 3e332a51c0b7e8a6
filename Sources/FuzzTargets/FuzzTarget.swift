import AccountRules
import CardKeys
import CardToken
import DaemonSupport
import FileChecks
import FormEncoding
import Foundation
import IssuerService
import IssuerStore
import IssuerWeb
import Mail
import NIOCore
import VerifierService

/// Every parser the daemons expose to outside input, as one function of
/// bytes each: the libFuzzer executables (`Fuzz/`) call it with generated
/// inputs, and `FuzzCorpusReplayTests` with every committed corpus file.
/// A parser may refuse any input; it may not crash, and where a property
/// holds (decode → encode is the identity, a verified token re-encodes to
/// itself) a violation throws ``FuzzPropertyFailure``.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case ac1Token = "ac1-token"
    case cbor
    case base45
    case keysetJWS = "keyset-jws"
    case jwk
    case registrarCSV = "registrar-csv"
    case merchantCSV = "merchant-csv"
    case calendarCSV = "calendar-csv"
    case issuerConfiguration = "issuer-config"
    case verifierConfiguration = "verifier-config"
    case form
    case humanCheck = "human-check"
    case jsonBody = "json-body"
    case verifyBody = "verify-body"
    case smtpReply = "smtp-reply"
    case multipart
    case multipartParser = "multipart-parser"
    case fileStructure = "file-structure"

    public func run(_ bytes: [UInt8]) throws(FuzzPropertyFailure) {
        switch self {
        case .ac1Token: try Self.token(bytes)
        case .cbor: try Self.cbor(bytes)
        case .base45: try Self.base45(bytes)
        case .keysetJWS: Self.keySet(bytes)
        case .jwk: Self.jwk(bytes)
        case .registrarCSV: _ = try? RegistrarCSV.parse(Data(bytes))
        case .merchantCSV: _ = try? MerchantCSV.parse(Data(bytes))
        case .calendarCSV: try Self.calendar(bytes)
        case .issuerConfiguration: Self.configuration(bytes)
        case .verifierConfiguration: Self.verifierConfiguration(bytes)
        case .form: try Self.form(bytes)
        case .humanCheck: Self.humanCheck(bytes)
        case .jsonBody: Self.jsonBody(bytes)
        case .verifyBody: try Self.verifyBody(bytes)
        case .smtpReply: try Self.smtpReply(bytes)
        case .multipart: try FuzzMultipart.run(bytes)
        case .multipartParser: try FuzzMultipart.chunking(bytes)
        case .fileStructure: try FuzzFileStructure.run(bytes)
        }
    }

    static func text(_ bytes: [UInt8]) -> String? { String(validating: bytes, as: UTF8.self) }

    /// The verdict the token target reaches for `text` (for the replay tests: the vectors must reach the checks past the signature).
    public static func tokenVerdict(_ text: String) -> VerificationReason {
        FuzzVectorKeys.tokenVerifier.verify(text, now: FuzzVectorKeys.now).reason
    }

    /// The file fields the multipart target's reader accepted from `bytes`, nil when it refused them.
    public static func multipartFiles(_ bytes: [UInt8]) throws(FuzzPropertyFailure) -> [String]? { try FuzzMultipart.run(bytes) }

    /// The kind the file-structure target accepted `bytes` as, nil when it refused them.
    public static func fileStructureKind(_ bytes: [UInt8]) -> String? {
        FuzzFileStructure.verdict(bytes, chunk: 61).kind?.rawValue
    }

    /// Token text → verdict, against the shared vectors' keys at a time inside
    /// their windows. A token that verifies is the `AC1:` prefix and the
    /// Base45 of the exact COSE bytes that were checked.
    static func token(_ bytes: [UInt8]) throws(FuzzPropertyFailure) {
        guard let text = text(bytes) else { return }
        let verdict = FuzzVectorKeys.tokenVerifier.verify(text, now: FuzzVectorKeys.now)
        guard verdict.isOK else { return }
        guard let parsed = try? ParsedToken(text: text) else { throw FuzzPropertyFailure("a token verified that does not parse") }
        guard TokenFormat.prefix + Base45.encode(parsed.cose) == text else {
            throw FuzzPropertyFailure("a verified token does not re-encode to its own text")
        }
    }

    /// The strict reader accepts only canonical CBOR, so what it reads
    /// writes back to the same bytes.
    static func cbor(_ bytes: [UInt8]) throws(FuzzPropertyFailure) {
        guard let value = try? CBORValue(decoding: bytes) else { return }
        guard let again = try? value.encoded() else { throw FuzzPropertyFailure("a decoded CBOR item does not encode") }
        guard again == bytes else { throw FuzzPropertyFailure("CBOR decode → encode changed \(bytes.count) bytes into \(again.count)") }
    }

    static func base45(_ bytes: [UInt8]) throws(FuzzPropertyFailure) {
        guard let text = text(bytes), let decoded = try? Base45.decode(text) else { return }
        guard Base45.encode(decoded) == text else { throw FuzzPropertyFailure("Base45 decode → encode is not the identity") }
    }

    static func keySet(_ bytes: [UInt8]) {
        guard let text = text(bytes) else { return }
        let verdict = FuzzVectorKeys.keySetVerifier.verify(text, heldSeq: nil, now: FuzzVectorKeys.keySetNow)
        if verdict.isOK, let document = verdict.document { _ = try? document.trustedKeys() }
    }

    static func jwk(_ bytes: [UInt8]) {
        let data = Data(bytes)
        if let key = try? JSONDecoder().decode(JSONWebKey.self, from: data) {
            _ = try? RootPublicKey(jwk: key)
        }
        _ = try? JSONDecoder().decode(KeySetDocument.self, from: data)
    }

    /// An office calendar CSV: whatever it lists, counting working days stays in bounds.
    static func calendar(_ bytes: [UInt8]) throws(FuzzPropertyFailure) {
        guard let text = text(bytes) else { return }
        var calendar = OfficeCalendar()
        guard (try? calendar.add(csv: text, source: "fuzz")) != nil, let start = try? CalendarDay(year: 2026, month: 1, day: 1),
              let end = try? CalendarDay(year: 2027, month: 1, day: 1) else { return }
        let days = calendar.workingDays(after: start, through: end)
        guard (0...366).contains(days) else { throw FuzzPropertyFailure("\(days) working days in one year") }
        _ = try? calendar.addingWorkingDays(7, to: start)
    }

    static func configuration(_ bytes: [UInt8]) {
        guard let text = text(bytes) else { return }
        _ = try? IssuerConfiguration.load(yaml: text)
    }

    /// The verifier's YAML configuration, then its start-up checks (the
    /// key-set URL, the merchant's name); the root key files it names are not read.
    static func verifierConfiguration(_ bytes: [UInt8]) {
        guard let text = text(bytes), let configuration = try? VerifierConfiguration.load(yaml: text) else { return }
        _ = try? configuration.validate()
    }

    /// A urlencoded form: what parses has each name once and at most the field limit.
    static func form(_ bytes: [UInt8]) throws(FuzzPropertyFailure) {
        guard let fields = try? FormFields(parsing: bytes) else { return }
        guard fields.values.count <= FormFields.maximumFields else { throw FuzzPropertyFailure("\(fields.values.count) fields read") }
    }

    static func humanCheck(_ bytes: [UInt8]) {
        guard let text = text(bytes), let solution = try? HumanCheck.decode(text) else { return }
        _ = try? HumanCheck.verify(solution, key: FuzzVectorKeys.humanCheckKey, maxNumber: 100_000, now: FuzzVectorKeys.now, lifetime: 600)
    }

    /// The shared reader of every JSON request body (size, nesting, unknown
    /// members, types), into a body with each kind of member.
    struct RequestBody: Decodable {
        let login: String?
        let password: String?
        let amount: Int?
        let windows: Int?
        let ifDue: Bool?
        let records: [[String: String]]?
        enum CodingKeys: String, CodingKey {
            case login, password, amount, windows, records
            case ifDue = "if_due"
        }
    }

    static func jsonBody(_ bytes: [UInt8]) {
        _ = try? JSONBody.decode(RequestBody.self, from: ByteBuffer(bytes: bytes), allowedKeys: ["login", "password", "amount", "windows", "if_due", "records"])
    }

    /// The verify endpoint's JSON body: where the one-pass reader answers,
    /// Foundation's parser reads the same token.
    static func verifyBody(_ bytes: [UInt8]) throws(FuzzPropertyFailure) {
        let body = ByteBuffer(bytes: bytes)
        let parsed = try? VerificationRequest.parsedJSONToken(body)
        guard let plain = VerificationRequest.plainJSONToken(body) else { return }
        guard parsed == plain else {
            throw FuzzPropertyFailure("the one-pass reader read \(plain.prefix(64).debugDescription), the parser \(parsed.map { $0.prefix(64).debugDescription } ?? "an error")")
        }
    }

    /// SMTP reply lines as a relay sends them: each line at most what the
    /// client reads, replies with one code.
    static func smtpReply(_ bytes: [UInt8]) throws(FuzzPropertyFailure) {
        var assembler = SMTPReplyAssembler()
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).prefix(200) {
            let trimmed = line.last == 0x0D ? Array(line.dropLast()) : Array(line)
            let reply: SMTPReply?
            do { reply = try assembler.add(trimmed) } catch { return }
            if let reply, !(200...599).contains(reply.code) { throw FuzzPropertyFailure("reply code \(reply.code) accepted") }
        }
    }
}

/// A property a parser broke (not a refusal: refusing is always allowed).
public struct FuzzPropertyFailure: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
