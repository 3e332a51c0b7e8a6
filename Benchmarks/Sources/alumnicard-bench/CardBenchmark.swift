import AccountRules
import CardKeys
import CardToken
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import Logging
import NIOCore

/// The digital card's costs (issue #13): a day of tokens against the
/// single-token endpoint, what storing a day of tokens would cost instead
/// of deriving them, the key set with 10,000 revoked cards, and directory
/// search over 2,000 merchants. In process, through the issuer's router
/// (no sockets: this measures the daemon's work, not the network).
enum CardBenchmark {
    static func run() async throws -> String {
        var out = "## cards\n"
        let directory = NSTemporaryDirectory() + "alumnicard-bench-cards-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = IssuerConfiguration()
        configuration.dataDirectory = directory
        configuration.humanCheckLogin = .never
        configuration.addressAttemptsPerMinute = 1_000_000
        configuration.bcryptCost = 4
        configuration.calendarFiles = []
        let root = RootSigningKey.generate()
        let credentials = IssuerCredentials(kek: KeyEncryptionKey.generate().key, rootKey: root, bootstrapAdminTokenHash: nil)
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let now = Int64(Date().timeIntervalSince1970)
        // On disk with synchronous=FULL, as in production.
        let services = try IssuerServices(configuration: configuration, credentials: credentials, logger: logger)
        try services.sqlite!.keyStore.rotate(now: now, force: true, actor: "bench")
        let cards = 40
        var rows: [RegistrarRow] = []
        for index in 0..<cards {
            rows.append(RegistrarRow(studentID: String(format: "B%08d", index), displayName: "測試人", email: nil,
                                     cardNumber: try CardNumber(String(format: "D%010d", index)), validThrough: try CardDate(iso8601: "2030-12-31")))
        }
        for row in rows { _ = try services.sqlite!.accounts.upsert(row, now: now, actor: "bench") }
        let hash = services.hasher.hash("Bench-password-1")
        for row in rows { try services.sqlite!.accounts.setPasswordHash(studentID: row.studentID, hash: hash, now: now, actor: "bench") }

        let application = buildApplication(services)
        let holders = rows
        let timings = try await application.test(.router) { client in
            var sessions: [String] = []
            for row in holders {
                let body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["login": row.studentID, "password": "Bench-password-1"]))
                sessions.append(try await client.execute(uri: "/v1/session", method: .post, headers: [.contentType: "application/json"], body: body) {
                    (try JSONSerialization.jsonObject(with: Data($0.body.readableBytesView)) as? [String: Any])?["session_token"] as? String ?? ""
                })
            }
            func time(_ uri: String, _ session: String) async throws -> Double {
                let start = DispatchTime.now().uptimeNanoseconds
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(session)"]) { response in
                    precondition(response.status == .ok, "\(uri): \(response.status)")
                }
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            }
            var single: [Double] = [], cold: [Double] = [], warm: [Double] = []
            // Rounds alternate so both endpoints see the same machine.
            for round in 0..<3 {
                for (index, session) in sessions.enumerated() {
                    if round == 0 { cold.append(try await time("/v1/card/tokens?windows=288", session)) } else { warm.append(try await time("/v1/card/tokens?windows=288", session)) }
                    for _ in 0..<10 { single.append(try await time("/v1/card/token", session)) }
                    _ = index
                }
            }
            return (single, cold, warm)
        }
        func summary(_ name: String, _ milliseconds: [Double]) -> String {
            let sorted = milliseconds.sorted()
            let p50 = sorted[sorted.count / 2], p99 = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
            let rate = Double(sorted.count) / (sorted.reduce(0, +) / 1e3)
            return name.padding(toLength: 50, withPad: " ", startingAt: 0)
                + String(format: "%8.1f /s  p50 %7.2f ms  p99 %7.2f ms  (n=%d)\n", rate, p50, p99, sorted.count)
        }
        out += summary("GET /v1/card/token (one at a time)", timings.0)
        out += summary("GET /v1/card/tokens?windows=288, first per card", timings.1)
        out += summary("GET /v1/card/tokens?windows=288, again", timings.2)
        let singleMean = timings.0.reduce(0, +) / Double(timings.0.count), aheadMean = (timings.1 + timings.2).reduce(0, +) / Double(timings.1.count + timings.2.count)
        out += String(format: "a day of tokens / one token (time)              %8.1f\n", aheadMean / singleMean)

        // The alternative: keep each window's token in a table, 288 rows per card and day.
        out += try storedDay(directory: directory)

        // The key set with 10,000 revoked cards.
        let revoked = (0..<10_000).map { String(format: "D%011d", $0 * 7919 % 100_000_000_000) }.sorted()
        var signMilliseconds: [Double] = []
        var jws = ""
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            jws = try services.sqlite!.keyStore.signKeySet(root: root, issuer: "bench", now: now, validity: 86_400, revokedCards: revoked, actor: "bench")
            signMilliseconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        let plain = try services.sqlite!.keyStore.signKeySet(root: root, issuer: "bench", now: now, validity: 86_400, revokedCards: [], actor: "bench")
        let verifyStart = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<5 { precondition(KeySetVerifier(pinnedRoots: [root.publicKey]).verify(jws, heldSeq: nil, now: now).isOK) }
        let verifyMilliseconds = Double(DispatchTime.now().uptimeNanoseconds - verifyStart) / 5e6
        out += String(format: "key set with 10,000 revoked cards               %8d bytes (%d without; verifier limit %d)\n", jws.utf8.count, plain.utf8.count, 1 << 20)
        out += String(format: "  signing it (read keys, sign, store, audit)    %8.1f ms (median of 5)\n", signMilliseconds.sorted()[2])
        out += String(format: "  checking it as a verifier does                %8.1f ms\n", verifyMilliseconds)

        // Directory search over 2,000 merchants.
        out += try directorySearch(services: services, now: now)
        return out
    }

    static func storedDay(directory: String) throws -> String {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL") }
        let queue = try DatabasePool(path: directory + "/stored-tokens.sqlite", configuration: configuration)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE issued_token (card_number TEXT NOT NULL, window_start INTEGER NOT NULL, token TEXT NOT NULL, kid TEXT NOT NULL,
                    issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (card_number, window_start)) WITHOUT ROWID;
                CREATE INDEX issued_token_expires ON issued_token(expires_at);
                """)
        }
        let token = "AC1:" + String(repeating: "X", count: 215) // the length of a real AC1 text
        var milliseconds: [Double] = []
        for card in 0..<20 {
            let start = DispatchTime.now().uptimeNanoseconds
            try queue.write { db in
                for window in 0..<288 {
                    try db.execute(sql: "INSERT INTO issued_token VALUES (?, ?, ?, ?, ?, ?)",
                                   arguments: [String(format: "D%010d", card), window * 300, token, "kid-0000000", window * 300, window * 300 + 360])
                }
            }
            milliseconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: directory + "/stored-tokens.sqlite")[.size] as? Int) ?? 0
        let wal = (try? FileManager.default.attributesOfItem(atPath: directory + "/stored-tokens.sqlite-wal")[.size] as? Int) ?? 0
        return String(format: "storing a day of tokens instead (288 rows)      %8.2f ms per card and day; %d KiB for 20 cards\n",
                      milliseconds.sorted()[10], (bytes + wal) / 1024)
    }

    static func directorySearch(services: IssuerServices, now: Int64) throws -> String {
        let today = try CalendarDay(parsing: "2027-01-15")
        let words = ["咖啡", "書店", "麵館", "健身", "旅行", "花店", "眼鏡", "牙醫", "文具", "茶館"]
        let english = ["Coffee", "Books", "Noodles", "Fitness", "Travel", "Flowers", "Optician", "Dentist", "Stationery", "Tea House"]
        let categories = ["cafe", "books", "food", "fitness", "travel", "shopping", "shopping", "health", "shopping", "cafe"]
        var csv = "merchant_id,name_zh,name_en,category,address,offer_zh,offer_en,valid_from,valid_until\n"
        for index in 0..<2_000 {
            let kind = index % words.count
            csv += "m-\(index),第\(index)號\(words[kind]),\(english[kind]) No. \(index),\(categories[kind]),臺北市大安區範例路 \(index) 號,"
                + "九折優惠,10% off,2026-01-01,2027-12-31\n"
        }
        // The directory's own synchronous calls: what a search costs, without the thread hop.
        let directory = MerchantDirectory(database: services.sqlite!.database)
        let report = try directory.importCSV(Data(csv.utf8), now: now, actor: "bench", dryRun: false)
        precondition(report.applied, "the directory import was refused")
        let chinese = Measurement.once("search 咖啡 (2 characters), 2,000 merchants", seconds: 1) {
            (try? directory.listed(on: today, category: nil, query: "咖啡", limit: 200).count) == 200
        }
        let englishSearch = Measurement.once("search \"coffee\", 2,000 merchants", seconds: 1) {
            (try? directory.listed(on: today, category: nil, query: "coffee", limit: 200).count) == 200
        }
        let category = Measurement.once("category=cafe, no text (index)", seconds: 1) {
            (try? directory.listed(on: today, category: "cafe", query: nil, limit: 200).count) == 200
        }
        return chinese.line + "\n" + englishSearch.line + "\n" + category.line + "\n"
            + String(format: "text search / category listing                  %8.2f\n", chinese.operationsPerSecond / category.operationsPerSecond)
    }
}
