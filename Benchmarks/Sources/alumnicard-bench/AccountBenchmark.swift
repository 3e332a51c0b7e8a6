import AccountRules
import CardKeys
import CardToken
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import Logging
import NIOCore

/// The account flows' costs: a login against the bare bcrypt it must
/// spend, human-check challenges issued and verified, and account
/// applications with a 1 MiB document, through the issuer's router in
/// process (no sockets: this measures the daemon's work, not the network).
enum AccountBenchmark {
    static func run() async throws -> String {
        var out = "## accounts\n"
        let directory = NSTemporaryDirectory() + "alumnicard-bench-accounts-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = IssuerConfiguration()
        configuration.dataDirectory = directory
        configuration.humanCheckLogin = .never
        configuration.humanCheckMaxNumber = 1_000
        configuration.addressAttemptsPerMinute = 100_000
        configuration.calendarFiles = []
        let credentials = IssuerCredentials(kek: KeyEncryptionKey.generate().key, rootKey: RootSigningKey.generate(), bootstrapAdminTokenHash: nil)
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let services = try IssuerServices(configuration: configuration, credentials: credentials, database: AppDatabase.inMemory(), logger: logger)
        try services.sqlite!.keyStore.rotate(now: Int64(Date().timeIntervalSince1970), force: true, actor: "bench")
        let password = "Bench-password-1"
        let hash = services.hasher.hash(password)
        _ = try services.sqlite!.accounts.upsert(RegistrarRow(studentID: "B00000001", displayName: "測試", email: "b@example.org", cardNumber: nil, validThrough: nil),
                                         now: Int64(Date().timeIntervalSince1970), actor: "bench")
        try services.sqlite!.accounts.setPasswordHash(studentID: "B00000001", hash: hash, now: Int64(Date().timeIntervalSince1970), actor: "bench")

        // Bare bcrypt at the configured cost, on this thread.
        let bcryptCount = 12
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<bcryptCount { precondition(services.hasher.verify(password, hash: hash)) }
        let bcryptRate = Double(bcryptCount) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)

        let application = buildApplication(services)
        let body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["login": "b00000001", "password": password]))
        let loginRate = try await application.test(.router) { client in
            let count = 12
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<count {
                try await client.execute(uri: "/v1/session", method: .post, headers: [.contentType: "application/json"], body: body) { response in
                    precondition(response.status == .created, "login failed: \(response.status)")
                }
            }
            return Double(count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        out += String(format: "login (cost %d, in process, one at a time)      %8.2f /s\n", configuration.bcryptCost, loginRate)
        out += String(format: "bare bcrypt verify (cost %d)                    %8.2f /s\n", configuration.bcryptCost, bcryptRate)
        out += String(format: "login / bcrypt                                  %8.2f\n", loginRate / bcryptRate)

        // Challenges: issue (HMAC + SHA-256) and verify (HMAC + SHA-256), pure.
        let key = SymmetricKey(size: .bits256)
        let now = Int64(Date().timeIntervalSince1970)
        let issue = Measurement.once("challenge issued", seconds: 1) {
            HumanCheck.makeChallenge(key: key, maxNumber: 100_000, number: 4_242, saltBytes: Array(repeating: 1, count: 12), now: now, lifetime: 600).maxnumber == 100_000
        }
        let solution = HumanCheck.solve(HumanCheck.makeChallenge(key: key, maxNumber: 100_000, number: 4_242, saltBytes: Array(repeating: 1, count: 12),
                                                                 now: now, lifetime: 600))!
        let verify = Measurement.once("challenge verified (before the spend write)", seconds: 1) {
            (try? HumanCheck.verify(solution, key: key, maxNumber: 100_000, now: now, lifetime: 600)) != nil
        }
        out += issue.line + "\n" + verify.line + "\n"

        // Applications with a 1 MiB JPEG and a small photo, challenges solved beforehand.
        let photo = Array(try Data(contentsOf: URL(fileURLWithPath: "../Tests/Fixtures/photo.jpg")))
        var padded = photo
        var padding: [UInt8] = []
        while padded.count + padding.count < (1 << 20) - 70_000 { padding += [0xFF, 0xFE, 0xFF, 0xFF] + [UInt8](repeating: 0x41, count: 65_533) }
        padded.insert(contentsOf: padding, at: 2)
        let document = padded
        let submissions = 40
        let applicationRate = try await application.test(.router) { client in
            var forms: [(String, ByteBuffer)] = []
            for index in 0..<submissions {
                let challenge = try await client.execute(uri: "/v1/challenge", method: .get) { response in
                    try JSONDecoder().decode(HumanCheck.Challenge.self, from: Data(response.body.readableBytesView))
                }
                let prefix = "C1234" + String(format: "%04d", index)
                let number = (0...9).map { prefix + String($0) }.first { (try? IdentityNumber($0)) != nil }!
                forms.append(multipart([
                    "chinese_name": "測試\(index)", "sex": "female", "national_id": number, "birth_date": "1990-01-01",
                    "records": #"[{"degree":"bachelor","department":"物理學系","admission_year":2008,"graduation_year":2012}]"#,
                    "permanent_address": #"{"region":"overseas","line":"1 Example Street","country":"JP"}"#,
                    "mailing_address": #"{"same_as":"permanent"}"#, "mobile": "0912345678", "email": "a\(index)@example.org",
                    "consent_version": "2026-01", "altcha": HumanCheck.encode(HumanCheck.solve(challenge)!),
                ], files: [("id_document", document), ("photo", photo)]))
            }
            let start = DispatchTime.now().uptimeNanoseconds
            for (type, body) in forms {
                try await client.execute(uri: "/v1/account-applications", method: .post, headers: [.contentType: type], body: body) { response in
                    precondition(response.status == .accepted, "application refused: \(String(buffer: response.body))")
                }
            }
            return Double(submissions) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        out += String(format: "account applications, 1 MiB document, one at a time %6.1f /s (%.1f MiB/s sealed)\n",
                      applicationRate, applicationRate * Double(document.count + photo.count) / 1_048_576)
        return out
    }

    static func multipart(_ fields: [String: String], files: [(String, [UInt8])]) -> (String, ByteBuffer) {
        let boundary = "bench-boundary-7d1f"
        var body: [UInt8] = []
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for (name, bytes) in files {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"f\"\r\n\r\n".utf8) + bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return ("multipart/form-data; boundary=\(boundary)", ByteBuffer(bytes: body))
    }
}
