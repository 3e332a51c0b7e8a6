import AccountRules
import DaemonSupport
import CardKeys
import CardToken
import Crypto
import Foundation
import IssuerStore
import IssuerStoreSQLite
import QREncoder
import SecureFiles

/// `alumnicard serve --dev`: everything a first run needs, made on the spot
/// in a local data directory: a KEK, a root key, an administrator token.
/// Loud about it, because none of it is fit for production.
public enum DevelopmentSetup {
    public static let defaultDirectory = ".alumnicard-dev"

    /// Points `configuration` at the development secrets in its data
    /// directory, creating any that are missing (0600). Returns the paths
    /// made on this run.
    public static func prepare(_ configuration: inout IssuerConfiguration) throws -> [String] {
        let directory = configuration.dataDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var made: [String] = []
        let kek = (directory as NSString).appendingPathComponent("kek")
        if !FileManager.default.fileExists(atPath: kek) {
            try SecureFile.write(KeyEncryptionKey.generate().fileContents, to: kek, mode: 0o600, replacing: false)
            made.append(kek)
        }
        let root = (directory as NSString).appendingPathComponent("root.jwk")
        let rootPublic = (directory as NSString).appendingPathComponent("root.pub.jwk")
        if !FileManager.default.fileExists(atPath: root) {
            let key = RootSigningKey.generate()
            try SecureFile.write(try json(key.privateJWK), to: root, mode: 0o600, replacing: false)
            try SecureFile.write(try json(key.publicKey.jwk), to: rootPublic, mode: 0o644, replacing: true)
            made.append(root)
        }
        let admin = (directory as NSString).appendingPathComponent("admin-token")
        if !FileManager.default.fileExists(atPath: admin) {
            try SecureFile.write(Data((BearerToken.generate(prefix: BearerToken.adminPrefix) + "\n").utf8), to: admin, mode: 0o600, replacing: false)
            made.append(admin)
        }
        configuration.kekFile = configuration.kekFile ?? kek
        configuration.rootKeyFile = configuration.rootKeyFile ?? root
        configuration.adminTokenFile = configuration.adminTokenFile ?? admin
        configuration.development = true
        return made
    }

    /// Makes the first signing key and signs the first key set when the
    /// database has none.
    public static func ensureKeys(_ services: IssuerServices) async throws -> Bool {
        guard try services.keyStore.ring().active == nil else { return false }
        try services.keyStore.rotate(now: services.clock.now(), force: true, actor: "dev-setup", algorithm: services.configuration.algorithm)
        try await services.keysChanged(actor: "dev-setup")
        return true
    }

    public static let demoStaffName = "demo-staff"

    /// Makes the demo staff member (admin, password ``DemoAlumnus/password``)
    /// when there is none. Returns the `otpauth://` URI of its TOTP secret,
    /// printed once, on the run that made it.
    public static func seedStaff(_ services: IssuerServices) throws -> String? {
        guard try services.staff.credentials(name: demoStaffName) == nil else { return nil }
        let secret = try services.staff.create(name: demoStaffName, displayName: "示範員工 Demo staff", role: .admin,
                                               passwordHash: services.hasher.hash(DemoAlumnus.password), now: services.clock.now(), actor: "dev-setup")
        return StaffSecondFactor(secret: secret).enrolmentURI(name: demoStaffName, issuer: services.configuration.issuerName)
    }

    private static func json(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value) + Data("\n".utf8)
    }
}

extension DevelopmentSetup {
    /// Seeds one pending application with clearly fictional data, so the
    /// review queue of a new development setup is not empty. Does nothing
    /// when any application exists.
    public static func seedApplication(_ services: IssuerServices) async throws -> Bool {
        let store = services.applicationRepository
        guard try await store.count() == 0 else { return false }
        try services.vault.prepare()
        let now = services.clock.now()
        let year = services.applications.calendar.day(of: now).year
        // A valid-looking but fictional identity number (checksum right, no real person).
        let nationalID = try IdentityNumber("A20000000" + checkDigit("A20000000"))
        let form = AccountApplicationForm(
            chineseName: "王範例", englishName: "Example Wang", sex: "female", nationalID: nationalID.value, birthDate: "1990-05-17",
            records: [EducationRecord(degree: "bachelor", department: "範例學系 Department of Examples", admissionYear: year - 14,
                                      graduationYear: year - 10, studentID: "B00000042")],
            permanentAddress: PostalAddress(region: "domestic", postalCode: "106", county: "臺北市", district: "大安區", line: "範例路 1 號", country: "TW"),
            mailingAddress: nil, phone: nil, mobile: "0900000042", email: "applicant@example.org")
        var documents: [StoredDocument] = []
        let photo = try QRCode.encode(text: "DEVELOPMENT SAMPLE PHOTO", errorCorrection: .low).png(moduleSize: 4)
        for (kind, type, bytes) in [(DocumentKind.photo, "image/png", photo), (.idDocument, "application/pdf", Array(samplePDF.utf8))] {
            let name = DocumentVault.newFileName()
            let writer = try services.vault.makeWriter(fileName: name)
            try writer.append(bytes)
            try writer.finish()
            documents.append(StoredDocument(kind: kind, contentType: type, fileName: name, size: bytes.count))
        }
        let due = services.applications.calendar.reviewDue(submittedAt: now)
        try await store.submit(.init(id: AccountApplicationService.newApplicationID(), form: form, nationalID: nationalID,
                               consent: ConsentRecord(version: services.applications.consent.version, sha256: services.applications.consent.sha256, at: now),
                               statusTokenHash: BearerToken.digest(BearerToken.generate(prefix: AccountApplicationService.statusTokenPrefix)), reviewDue: due.yyyymmdd, documents: documents),
                               mails: { _ in [] }, now: now)
        return true
    }

    /// Seeds a few clearly fictional partner merchants when the directory
    /// is empty (one with an offer that has ended, which the listing hides).
    /// Returns how many were made.
    public static func seedMerchants(_ services: IssuerServices) async throws -> Int {
        guard try await services.merchants.all().isEmpty else { return 0 }
        let now = services.clock.now()
        let today = services.applications.calendar.day(of: now)
        let from = try today.adding(days: -30), until = try today.adding(months: 12)
        let samples: [(String, String, String, String, String, String, String)] = [
            ("example-cafe", "範例咖啡（虛構）", "Example Coffee (fictional)", "cafe", "臺北市大安區範例路 1 號", "飲品九折", "10% off drinks"),
            ("example-books", "示範書店（虛構）", "Sample Books (fictional)", "books", "臺北市大安區範例路 2 號", "全店書籍八五折", "15% off all books"),
            ("example-noodles", "樣本麵館（虛構）", "Specimen Noodles (fictional)", "food", "臺北市中正區範例街 3 號", "每碗折 20 元", "NT$20 off every bowl"),
            ("example-gym", "範例健身房（虛構）", "Example Fitness (fictional)", "fitness", "新北市永和區範例路 4 號", "月費九折", "10% off the monthly fee"),
            ("example-travel", "示範旅行社（虛構）", "Sample Travel (fictional)", "travel", "臺北市中山區範例路 5 號", "團費折 500 元", "NT$500 off group tours"),
        ]
        var made = 0
        for (id, zh, en, category, address, offerZh, offerEn) in samples {
            let merchant = try Merchant(id: id, nameChinese: zh, nameEnglish: en, category: category, address: address, phone: nil,
                                        url: "https://example.com/\(id)", offerChinese: offerZh, offerEnglish: offerEn, validFrom: from, validUntil: until)
            try await services.merchants.create(merchant, now: now, actor: "dev-setup")
            made += 1
        }
        let ended = try Merchant(id: "example-past", nameChinese: "過期範例商店（虛構）", nameEnglish: "Past Example Shop (fictional)", category: "shopping",
                                 address: "臺北市大安區範例路 6 號", phone: nil, url: nil, offerChinese: "優惠已結束", offerEnglish: "This offer has ended",
                                 validFrom: try today.adding(months: -6), validUntil: try today.adding(days: -1))
        try await services.merchants.create(ended, now: now, actor: "dev-setup")
        return made + 1
    }

    private static func checkDigit(_ prefix: String) -> String {
        for digit in 0...9 where (try? IdentityNumber(prefix + String(digit))) != nil { return String(digit) }
        return "0"
    }

    /// A one-page PDF saying what it is.
    static let samplePDF = """
        %PDF-1.4
        1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
        2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
        3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 300 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >> endobj
        4 0 obj << /Length 58 >> stream
        BT /F1 14 Tf 20 45 Td (Development sample ID document) Tj ET
        endstream endobj
        5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj
        trailer << /Root 1 0 R >>
        %%EOF

        """
}
