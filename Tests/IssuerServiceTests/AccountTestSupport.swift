import AccountRules
import Foundation
import HTTPTypes
import HummingbirdTesting
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import NIOCore
import TestSupport
import Testing

/// A multipart/form-data body, built by hand so tests can also cut it short or bend it.
struct MultipartForm {
    let boundary = "----alumnicard-test-\(UInt32.random(in: 0...UInt32.max))"
    var parts: [(name: String, filename: String?, contentType: String?, bytes: [UInt8])] = []

    mutating func field(_ name: String, _ value: String) { parts.append((name, nil, nil, Array(value.utf8))) }
    mutating func file(_ name: String, filename: String, contentType: String, _ bytes: [UInt8]) { parts.append((name, filename, contentType, bytes)) }

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    var bytes: [UInt8] {
        var out: [UInt8] = []
        for part in parts {
            var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let filename = part.filename { head += "; filename=\"\(filename)\"" }
            head += "\r\n"
            if let type = part.contentType { head += "Content-Type: \(type)\r\n" }
            out += Array((head + "\r\n").utf8) + part.bytes + Array("\r\n".utf8)
        }
        return out + Array("--\(boundary)--\r\n".utf8)
    }

    var body: ByteBuffer { ByteBuffer(bytes: bytes) }
}

enum Fixture {
    static func bytes(_ name: String) -> [UInt8] {
        Array(try! Data(contentsOf: ProjectPaths.packageRoot.appendingPathComponent("Tests/Fixtures/\(name)")))
    }

    static var jpeg: [UInt8] { bytes("photo.jpg") }
    static var pdf: [UInt8] { bytes("id-document.pdf") }

    /// A valid JPEG of at least `size` bytes: comment segments (COM) after the start marker.
    static func largeJPEG(_ size: Int) -> [UInt8] {
        var base = jpeg
        var padding: [UInt8] = []
        while padding.count + base.count < size {
            let chunk = min(65_533, size - base.count - padding.count)
            padding += [0xFF, 0xFE, UInt8((chunk + 2) >> 8), UInt8((chunk + 2) & 0xFF)] + [UInt8](repeating: 0x41, count: chunk)
        }
        base.insert(contentsOf: padding, at: 2)
        return base
    }
}

/// A complete application; change fields to test each rule.
struct SampleApplication {
    static let nationalID = "A123456789"
    static let email = "lin.applicant@example.org"
    var fields: [String: String] = [
        "chinese_name": "林申請",
        "english_name": "Lin Applicant",
        "sex": "female",
        "national_id": " a123456789 ",
        "birth_date": "1992-03-04",
        "records": #"[{"degree":"bachelor","department":"資訊工程學系","admission_year":2010,"graduation_year":2014,"student_id":"b96902001"}]"#,
        "permanent_address": #"{"region":"domestic","postal_code":"106","county":"臺北市","district":"大安區","line":"羅斯福路四段1號","country":"TW"}"#,
        "mailing_address": #"{"same_as":"permanent"}"#,
        "mobile": "0912-345-678",
        "email": SampleApplication.email,
    ]
    var photo: [UInt8]? = Fixture.jpeg
    var photoName = "me.jpg"
    var document: [UInt8]? = Fixture.pdf
    var documentName = "id.pdf"

    /// The form as a browser's script sends it: text fields (`extra`, such as a page's `csrf`, included) before the files.
    func form(consent: String, altcha: String?, extra: [String: String] = [:]) -> MultipartForm {
        var form = MultipartForm()
        for (name, value) in fields.merging(extra, uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }) { form.field(name, value) }
        form.field("consent_version", consent)
        if let altcha { form.field("altcha", altcha) }
        if let document { form.file("id_document", filename: documentName, contentType: "application/pdf", document) }
        if let photo { form.file("photo", filename: photoName, contentType: "image/jpeg", photo) }
        return form
    }
}

extension TestClientProtocol {
    /// Fetches a challenge and solves it, as the browser does.
    func solvedChallenge() async throws -> String {
        try await execute(uri: "/v1/challenge", method: .get) { response in
            #expect(response.status == .ok)
            let challenge = try JSONDecoder().decode(HumanCheck.Challenge.self, from: Data(response.body.readableBytesView))
            return HumanCheck.encode(try #require(HumanCheck.solve(challenge)))
        }
    }

    func consentVersion() async throws -> String {
        try await execute(uri: "/v1/consent", method: .get) { response in
            try #require(try jsonObject(response.body)["version"] as? String)
        }
    }

    /// Submits `application` with a fresh challenge; returns the response.
    func submit(_ application: SampleApplication = SampleApplication(), altcha: String? = "solve", consent: String? = nil) async throws -> TestResponse {
        let solved = altcha == "solve" ? try await solvedChallenge() : altcha
        let version: String
        if let consent { version = consent } else { version = try await consentVersion() }
        let form = application.form(consent: version, altcha: solved)
        return try await execute(uri: "/v1/account-applications", method: .post, headers: [.contentType: form.contentType], body: form.body) { $0 }
    }

    func send(_ method: HTTPRequest.Method, _ uri: String, bearer: String?, json object: Any? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        return try await execute(uri: uri, method: method, headers: headers, body: object.map(json)) { $0 }
    }
}

/// The .eml files `serve --dev` (and the test issuer) write instead of sending.
struct DeliveredMail {
    let recipient: String
    let headers: String
    let body: String

    static func all(in directory: String) throws -> [DeliveredMail] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
        return try names.map { name in
            let text = try String(contentsOfFile: (directory as NSString).appendingPathComponent(name), encoding: .utf8)
            let split = try #require(text.range(of: "\r\n\r\n"))
            let headers = String(text[..<split.lowerBound])
            let encoded = text[split.upperBound...].replacingOccurrences(of: "\r\n", with: "")
            let body = String(decoding: try #require(Data(base64Encoded: encoded)), as: UTF8.self)
            let recipient = headers.components(separatedBy: "\r\n").first { $0.hasPrefix("X-Envelope-To: <") }.map { String($0.dropFirst(16).dropLast()) } ?? ""
            return DeliveredMail(recipient: recipient, headers: headers, body: body)
        }
    }

    /// The first link in the body that starts with `prefix`.
    func link(_ prefix: String) -> String? {
        body.components(separatedBy: .whitespacesAndNewlines).first { $0.hasPrefix(prefix) }
    }
}

extension IssuerHarness {
    var mailDirectory: String { configuration.mailDirectory }

    /// Delivers the outbox and returns every mail written so far.
    /// The mail written so far, after the outbox has been run. The
    /// daemon's own delivery loop may have claimed a message a moment
    /// before (issue #27: one claimer per message), so this waits, briefly,
    /// until nothing queued is left.
    func deliveredMail() async throws -> [DeliveredMail] {
        for _ in 0..<200 {
            await services.deliverMail()
            if try await services.repositories.outbox.summary(status: nil, limit: 1).queued == 0 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try DeliveredMail.all(in: mailDirectory)
    }

    func staffToken(_ role: AdminRole, name: String? = nil) throws -> String {
        try services.adminTokens.create(name: name ?? "\(role.rawValue)-\(UInt16.random(in: 0...UInt16.max))", role: role, now: clock.now, actor: "test")
    }
}
