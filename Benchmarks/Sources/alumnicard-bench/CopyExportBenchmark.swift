import AccountRules
import CardKeys
import CardToken
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import Logging

/// Issue #28: the copy of one's personal data, for an account with two
/// applications and 15 MB of documents, downloaded over a real socket from
/// the issuer in this process: time and the process's peak resident set
/// while it runs. Peer, in the same run on the same documents: the four
/// documents read whole through the staff endpoint (which holds each
/// document whole). A streamed copy's peak stays near a chunk's size
/// whatever the documents weigh.
enum CopyExportBenchmark {
    static let adminToken = "acadm_copy-export-benchmark-token-0123456789"
    static let password = "Bench-password-1"

    /// The process's peak resident set (VmHWM), in KiB, after resetting it (clear_refs 5), around `body`.
    static func peak<T>(_ body: () async throws -> T) async rethrows -> (T, Int) {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .ascii)
        let value = try await body()
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (value, Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0)
    }

    static func resident() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }

    /// GET over a socket of its own, reading 64 KiB at a time and keeping only the count.
    static func download(port: Int, path: String, bearer: String) throws -> (status: Int, bytes: Int) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(socket >= 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        precondition(connected == 0, "cannot connect to the issuer")
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(bearer)\r\nConnection: close\r\n\r\n".utf8)
        precondition(send(socket, request, request.count, 0) == request.count)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var total = 0, head: [UInt8] = []
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { break }
            if head.count < 16 { head += buffer[0..<min(count, 16 - head.count)] }
            total += count
        }
        let status = Int(String(decoding: head.dropFirst(9).prefix(3), as: UTF8.self)) ?? 0
        return (status, total)
    }

    static func run() async throws -> String {
        var out = "## copy export (issue #28)\n"
        let directory = NSTemporaryDirectory() + "alumnicard-bench-copy-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = IssuerConfiguration()
        configuration.dataDirectory = directory
        configuration.humanCheckLogin = .never
        configuration.calendarFiles = []
        configuration.port = 0
        let credentials = IssuerCredentials(kek: KeyEncryptionKey.generate().key, rootKey: RootSigningKey.generate(),
                                            bootstrapAdminTokenHash: BearerToken.digest(adminToken))
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let services = try IssuerServices(configuration: configuration, credentials: credentials, logger: logger)
        try services.prepareForServing()
        let now = Int64(Date().timeIntervalSince1970)
        try services.sqlite!.keyStore.rotate(now: now, force: true, actor: "bench")
        var row = RegistrarRow(studentID: "B00000001", displayName: "林測試", email: "b@example.org", cardNumber: try CardNumber("A000000001"),
                               validThrough: try CardDate(iso8601: "2030-12-31"))
        row.nationalID = try IdentityNumber("A123456789")
        _ = try services.sqlite!.accounts.upsert(row, now: now, actor: "bench")
        try services.sqlite!.accounts.setPasswordHash(studentID: "B00000001", hash: services.hasher.hash(password), now: now, actor: "bench")
        // A registrar's holder with a national ID must choose a password first; this one has (as after the forced change).
        try await services.sqlite!.database.writer.write { db in try db.execute(sql: "UPDATE holder SET password_change_required = 0") }

        // Two applications naming the holder's national ID, each with a 5 MB document and a 2.5 MB photo: 15 MB.
        var generator = SystemRandomNumberGenerator()
        var documentBytes = 0
        var applicationIDs: [String] = []
        for index in 1...2 {
            var documents: [StoredDocument] = []
            for (kind, size, type) in [(DocumentKind.idDocument, 5_000_000, "application/pdf"), (.photo, 2_500_000, "image/jpeg")] {
                let name = DocumentVault.newFileName()
                let writer = try services.vault.makeWriter(fileName: name)
                var left = size
                while left > 0 {
                    let chunk = (0..<min(left, 65_536)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                    try writer.append(chunk)
                    left -= chunk.count
                }
                try writer.finish()
                documents.append(StoredDocument(kind: kind, contentType: type, fileName: name, size: size))
                documentBytes += size
            }
            let form = AccountApplicationForm(chineseName: "林測試", englishName: nil, sex: "female", nationalID: "A123456789", birthDate: "1990-01-01",
                                              records: [EducationRecord(degree: "bachelor", department: "資訊工程學系", admissionYear: 2008, graduationYear: 2012, studentID: nil)],
                                              permanentAddress: PostalAddress(region: "domestic", postalCode: "106", county: "臺北市", district: "大安區", line: "羅斯福路四段1號", country: "TW"),
                                              mailingAddress: nil, phone: nil, mobile: "0912345678", email: "b@example.org")
            let id = "APBENCH0\(index)"
            try await services.repositories.applications.submit(
                ApplicationSubmission(id: id, form: form, nationalID: try IdentityNumber("A123456789"),
                                      consent: ConsentRecord(version: "1", sha256: String(repeating: "0", count: 64), at: now),
                                      statusTokenHash: BearerToken.digest("ast_bench\(index)"), reviewDue: 20_300_101, documents: documents),
                mails: { _ in [] }, now: now)
            applicationIDs.append(id)
        }
        out += String(format: "documents: 4 files, %.1f MB; resident set before: %d MiB\n", Double(documentBytes) / 1e6, resident() / 1024)

        let ids = applicationIDs, stored = documentBytes
        out += try await buildApplication(services).test(.live) { client in
            var lines = ""
            let port = client.port!
            let session = try await client.execute(uri: "/v1/session", method: .post, headers: [.contentType: "application/json"],
                                                   body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["login": "B00000001", "password": password]))) { response in
                try (JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])?["session_token"] as? String ?? ""
            }
            let filed = try await client.execute(uri: "/v1/account/data-requests", method: .post,
                                                 headers: [.contentType: "application/json", .authorization: "Bearer \(session)"],
                                                 body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["kind": "copy", "current_password": password]))) { response in
                try (JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])?["request_id"] as? String ?? ""
            }
            for round in 1...3 {
                let start = DispatchTime.now().uptimeNanoseconds
                let (copy, copyPeak) = try await peak { try await Task.detached { try download(port: port, path: "/v1/account/data-requests/\(filed)/export", bearer: session) }.value }
                let copySeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                guard copy.status == 200, copy.bytes > stored else {
                    FileHandle.standardError.write(Data("the copy did not download: \(copy), session \(session.count) characters, request \(filed)\n".utf8))
                    exit(1)
                }

                let peerStart = DispatchTime.now().uptimeNanoseconds
                let (peerBytes, peerPeak) = try await peak {
                    try await Task.detached {
                        var total = 0
                        for id in ids {
                            for kind in ["id_document", "photo"] {
                                let read = try download(port: port, path: "/v1/admin/account-applications/\(id)/documents/\(kind)", bearer: adminToken)
                                precondition(read.status == 200, "a staff document read failed: \(read)")
                                total += read.bytes
                            }
                        }
                        return total
                    }.value
                }
                let peerSeconds = Double(DispatchTime.now().uptimeNanoseconds - peerStart) / 1e9
                lines += String(format: "round %d: copy (ZIP, streamed) %.1f MB in %4.0f ms, %5.1f MB/s, peak resident %4d MiB | peer, the 4 documents whole (staff reads) %.1f MB in %4.0f ms, %5.1f MB/s, peak resident %4d MiB | time ratio copy/peer %.2f\n",
                              round, Double(copy.bytes) / 1e6, copySeconds * 1000, Double(copy.bytes) / 1e6 / copySeconds, copyPeak / 1024,
                              Double(peerBytes) / 1e6, peerSeconds * 1000, Double(peerBytes) / 1e6 / peerSeconds, peerPeak / 1024, copySeconds / peerSeconds)
            }
            return lines
        }
        return out
    }
}
