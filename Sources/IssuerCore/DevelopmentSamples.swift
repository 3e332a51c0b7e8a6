import AccountRules
import CardKeys
import CardToken
import Clocks
import Foundation
import IssuerStore
import NIOPosix
import QREncoder

/// What `serve --dev` and `alumnicard demo` put into an empty development
/// database, clearly fictional: the first key, the demo alumni, a pending
/// application with sample documents, a few merchants, a staff member.
/// Through the repositories and services every backend has; never for
/// production (the callers check the database is marked for development).
package struct DevelopmentSamples: Sendable {
    package let repositories: IssuerRepositories
    package let documents: any DocumentStore
    package let keyService: KeyService
    package let merchants: MerchantService
    package let applications: AccountApplicationService
    package let hasher: PasswordHasher
    package let clock: IssuerClock
    package let issuerName: String

    package init(repositories: IssuerRepositories, documents: any DocumentStore, keyService: KeyService, merchants: MerchantService,
                 applications: AccountApplicationService, hasher: PasswordHasher, clock: IssuerClock, issuerName: String) {
        self.repositories = repositories
        self.documents = documents
        self.keyService = keyService
        self.merchants = merchants
        self.applications = applications
        self.hasher = hasher
        self.clock = clock
        self.issuerName = issuerName
    }

    /// Makes the first signing key and signs the first key set when there is none.
    package func ensureKeys(actor: String) async throws -> Bool {
        guard try await repositories.keys.ring().active == nil else { return false }
        // Not forced: under the key rows' lock, a second instance starting at
        // the same moment finds the first key made and changes nothing.
        let changes = try await repositories.keys.rotate(now: clock.now(), force: false, ifDue: false, actor: actor, algorithm: keyService.algorithm)
        guard !changes.isEmpty else { return false }
        try await keyService.keysChanged(actor: actor)
        return true
    }

    /// Creates or refreshes the demo alumnus and their card, and restores the demo password if it was changed.
    package func seedDemoAlumnus(actor: String) async throws {
        let row = RegistrarRow(studentID: DemoAlumnus.studentID, displayName: DemoAlumnus.displayName, email: DemoAlumnus.email,
                               cardNumber: try CardNumber(DemoAlumnus.cardNumber), validThrough: try CardDate(iso8601: DemoAlumnus.validThrough))
        try await upsert(row, actor: actor, what: "the demo alumnus")
    }

    /// Creates the applicant once; a later start leaves their cards and
    /// applications as the walk-through left them.
    package func seedApplicant(actor: String) async throws {
        guard try await repositories.holders.holder(studentID: DemoAlumnus.Applicant.studentID) == nil else { return }
        let row = RegistrarRow(studentID: DemoAlumnus.Applicant.studentID, displayName: DemoAlumnus.Applicant.displayName,
                               email: DemoAlumnus.Applicant.email, cardNumber: nil, validThrough: nil)
        try await upsert(row, actor: actor, what: "the demo applicant")
    }

    private func upsert(_ row: RegistrarRow, actor: String, what: String) async throws {
        let report = try await repositories.holders.upsert(row, now: clock.now(), actor: actor)
        if let rejected = report.rows.first(where: { $0.action == .rejected }) {
            throw IssuerStoreError(.invalidChange, "\(what) was refused: \(rejected.detail)")
        }
        // Setting a password ends the holder's other sessions: only when the
        // demo password no longer opens the account (a walk-through changed
        // it), so that a restart, or a second development instance starting
        // on a shared database, signs nobody out.
        let hasher = hasher, current = try await repositories.holders.holder(studentID: row.studentID)?.passwordHash
        let hash = try await NIOThreadPool.singleton.runIfActive { () -> String? in
            hasher.verify(DemoAlumnus.password, hash: current) ? nil : hasher.hash(DemoAlumnus.password)
        }
        if let hash {
            try await repositories.holders.setPasswordHash(studentID: row.studentID, hash: hash, now: clock.now(), actor: actor)
        }
    }

    /// Makes the demo staff member when there is none. Returns the
    /// `otpauth://` URI of its TOTP secret, printed once, on the run that made it.
    package func seedStaff(actor: String) async throws -> String? {
        guard try await repositories.staff.credentials(name: DemoAlumnus.staffName) == nil else { return nil }
        let hasher = hasher
        let hash = try await NIOThreadPool.singleton.runIfActive { hasher.hash(DemoAlumnus.password) }
        let secret = try await repositories.staff.createStaff(name: DemoAlumnus.staffName, displayName: "示範員工 Demo staff", role: .admin,
                                                              passwordHash: hash, now: clock.now(), actor: actor)
        return StaffSecondFactor(secret: secret).enrolmentURI(name: DemoAlumnus.staffName, issuer: issuerName)
    }

    /// Seeds one pending application with clearly fictional data, so the
    /// review queue of a new development setup is not empty. Does nothing
    /// when any application exists.
    package func seedApplication() async throws -> Bool {
        let store = repositories.applications
        guard try await store.count() == 0 else { return false }
        let now = clock.now()
        let calendar = applications.calendar, consent = applications.consent
        let year = calendar.day(of: now).year
        // A valid-looking but fictional identity number (checksum right, no real person).
        let nationalID = try IdentityNumber("A20000000" + Self.checkDigit("A20000000"))
        let form = AccountApplicationForm(
            chineseName: "王範例", englishName: "Example Wang", sex: "female", nationalID: nationalID.value, birthDate: "1990-05-17",
            records: [EducationRecord(degree: "bachelor", department: "範例學系 Department of Examples", admissionYear: year - 14,
                                      graduationYear: year - 10, studentID: "B00000042")],
            permanentAddress: PostalAddress(region: "domestic", postalCode: "106", county: "臺北市", district: "大安區", line: "範例路 1 號", country: "TW"),
            mailingAddress: nil, phone: nil, mobile: "0900000042", email: "applicant@example.org")
        let photo = try QRCode.encode(text: "DEVELOPMENT SAMPLE PHOTO", errorCorrection: .low).png(moduleSize: 4)
        let documents = documents
        let stored = try await NIOThreadPool.singleton.runIfActive { () -> [StoredDocument] in
            try documents.prepare()
            var stored: [StoredDocument] = []
            for (kind, type, bytes) in [(DocumentKind.photo, "image/png", photo), (.idDocument, "application/pdf", Array(Self.samplePDF.utf8))] {
                let name = DocumentVault.newFileName()
                let writer = try documents.makeWriter(fileName: name)
                try writer.append(bytes)
                try writer.finish()
                stored.append(StoredDocument(kind: kind, contentType: type, fileName: name, size: bytes.count))
            }
            return stored
        }
        let due = calendar.reviewDue(submittedAt: now)
        try await store.submit(.init(id: AccountApplicationService.newApplicationID(), form: form, nationalID: nationalID,
                                     consent: ConsentRecord(version: consent.version, sha256: consent.sha256, at: now),
                                     statusTokenHash: BearerToken.digest(BearerToken.generate(prefix: AccountApplicationService.statusTokenPrefix)),
                                     reviewDue: due.yyyymmdd, documents: stored),
                               mails: { _ in [] }, now: now)
        return true
    }

    /// Seeds a few clearly fictional partner merchants when the directory
    /// is empty (one with an offer that has ended, which the listing hides).
    /// Returns how many were made.
    package func seedMerchants(actor: String) async throws -> Int {
        guard try await merchants.all().isEmpty else { return 0 }
        let today = applications.calendar.day(of: clock.now())
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
            try await merchants.create(merchant, actor: actor)
            made += 1
        }
        let ended = try Merchant(id: "example-past", nameChinese: "過期範例商店（虛構）", nameEnglish: "Past Example Shop (fictional)", category: "shopping",
                                 address: "臺北市大安區範例路 6 號", phone: nil, url: nil, offerChinese: "優惠已結束", offerEnglish: "This offer has ended",
                                 validFrom: try today.adding(months: -6), validUntil: try today.adding(days: -1))
        try await merchants.create(ended, actor: actor)
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
