import Foundation

/// One degree an applicant studied for (alumni-api.md §3 `records`).
public struct EducationRecord: Sendable, Codable, Equatable {
    public let degree: String
    public let department: String
    public let admissionYear: Int
    public let graduationYear: Int
    public let studentID: String?

    public init(degree: String, department: String, admissionYear: Int, graduationYear: Int, studentID: String?) {
        self.degree = degree
        self.department = department
        self.admissionYear = admissionYear
        self.graduationYear = graduationYear
        self.studentID = studentID
    }

    package enum CodingKeys: String, CodingKey {
        case degree, department
        case admissionYear = "admission_year"
        case graduationYear = "graduation_year"
        case studentID = "student_id"
    }
}

/// A postal address (alumni-api.md §3).
public struct PostalAddress: Sendable, Codable, Equatable {
    public let region: String
    public let postalCode: String
    public let county: String
    public let district: String
    public let line: String
    public let country: String

    public init(region: String, postalCode: String, county: String, district: String, line: String, country: String) {
        self.region = region
        self.postalCode = postalCode
        self.county = county
        self.district = district
        self.line = line
        self.country = country
    }

    package enum CodingKeys: String, CodingKey {
        case region, county, district, line, country
        case postalCode = "postal_code"
    }
}

/// Everything an applicant filled in: personal data, sealed as one value.
public struct AccountApplicationForm: Sendable, Codable, Equatable {
    public let chineseName: String
    public let englishName: String?
    public let sex: String
    /// The normalised identity number.
    public let nationalID: String
    public let birthDate: String
    public let records: [EducationRecord]
    public let permanentAddress: PostalAddress
    /// Nil when it is the same as the permanent address.
    public let mailingAddress: PostalAddress?
    public let phone: String?
    /// Normalised (ten digits).
    public let mobile: String
    public let email: String

    public init(chineseName: String, englishName: String?, sex: String, nationalID: String, birthDate: String, records: [EducationRecord],
                permanentAddress: PostalAddress, mailingAddress: PostalAddress?, phone: String?, mobile: String, email: String) {
        self.chineseName = chineseName
        self.englishName = englishName
        self.sex = sex
        self.nationalID = nationalID
        self.birthDate = birthDate
        self.records = records
        self.permanentAddress = permanentAddress
        self.mailingAddress = mailingAddress
        self.phone = phone
        self.mobile = mobile
        self.email = email
    }

    package enum CodingKeys: String, CodingKey {
        case sex, records, phone, mobile, email
        case chineseName = "chinese_name"
        case englishName = "english_name"
        case nationalID = "national_id"
        case birthDate = "birth_date"
        case permanentAddress = "permanent_address"
        case mailingAddress = "mailing_address"
    }
}

/// Where an application stands.
public enum ApplicationStatus: String, Sendable, Codable, CaseIterable {
    case pending
    /// Staff asked for more; the review clock is stopped until the applicant answers.
    case needsInfo = "needs_info"
    case approved, rejected
}

/// The two uploads.
public enum DocumentKind: String, Sendable, Codable, CaseIterable {
    case idDocument = "id_document"
    case photo
}

/// An uploaded file, sealed on disk (``DocumentVault``).
public struct StoredDocument: Sendable, Equatable, Codable {
    public let kind: DocumentKind
    public let contentType: String
    public let fileName: String
    public let size: Int

    public init(kind: DocumentKind, contentType: String, fileName: String, size: Int) {
        self.kind = kind
        self.contentType = contentType
        self.fileName = fileName
        self.size = size
    }

    package enum CodingKeys: String, CodingKey {
        case kind, size
        case contentType = "content_type"
        case fileName = "file_name"
    }
}

/// The consent an applicant gave: which notice, its hash, and when.
public struct ConsentRecord: Sendable, Equatable {
    public let version: String
    public let sha256: String
    public let at: Int64

    public init(version: String, sha256: String, at: Int64) {
        self.version = version
        self.sha256 = sha256
        self.at = at
    }
}

/// An application as staff see it (personal fields unsealed; reading one
/// is audited by the store).
public struct AccountApplication: Sendable, Equatable {
    public let id: String
    public let status: ApplicationStatus
    public let submittedAt: Int64
    /// YYYYMMDD; nil while the clock is stopped (`needs_info`).
    public let reviewDue: Int?
    public let workingDaysLeft: Int?
    public let form: AccountApplicationForm
    public let consent: ConsentRecord
    /// The student ID of an imported holder whose national ID and student ID match.
    public let registrarMatch: String?
    /// A holder with a password, or another open application, has this national ID.
    public let knownIdentity: Bool
    public let message: String?
    public let reply: String?
    public let decidedAt: Int64?
    public let decidedBy: String?
    public let decisionReason: String?
    public let documents: [StoredDocument]
    public let documentsDeletedAt: Int64?
    /// What the registrar's import holds under the student IDs this
    /// application names, for the reviewer to compare side by side.
    public var registrarRecords: [RegistrarRecord] = []

    package init(id: String, status: ApplicationStatus, submittedAt: Int64, reviewDue: Int? = nil, workingDaysLeft: Int? = nil, form: AccountApplicationForm, consent: ConsentRecord, registrarMatch: String? = nil, knownIdentity: Bool, message: String? = nil, reply: String? = nil, decidedAt: Int64? = nil, decidedBy: String? = nil, decisionReason: String? = nil, documents: [StoredDocument], documentsDeletedAt: Int64? = nil, registrarRecords: [RegistrarRecord] = []) {
        self.id = id
        self.status = status
        self.submittedAt = submittedAt
        self.reviewDue = reviewDue
        self.workingDaysLeft = workingDaysLeft
        self.form = form
        self.consent = consent
        self.registrarMatch = registrarMatch
        self.knownIdentity = knownIdentity
        self.message = message
        self.reply = reply
        self.decidedAt = decidedAt
        self.decidedBy = decidedBy
        self.decisionReason = decisionReason
        self.documents = documents
        self.documentsDeletedAt = documentsDeletedAt
        self.registrarRecords = registrarRecords
    }
}

/// A holder record the registrar imported, as a reviewer compares it with
/// an application. Contact data is shown because the reviewer chooses
/// between it and the applicant's; the national ID is only compared.
public struct RegistrarRecord: Sendable, Equatable {
    public enum NationalIDComparison: String, Sendable {
        /// The record holds the application's national ID.
        case same
        /// The record holds another national ID: approving with it is refused.
        case different
        /// The record holds no national ID.
        case none
    }

    public let studentID: String
    public let name: String
    public let email: String?
    public let mobile: String?
    public let nationalID: NationalIDComparison
    /// The account already has a password: an application cannot open it.
    public let activated: Bool
    /// YYYYMMDD; the account opens two days after it.
    public let diplomaDate: Int64?

    package init(studentID: String, name: String, email: String? = nil, mobile: String? = nil, nationalID: NationalIDComparison, activated: Bool, diplomaDate: Int64? = nil) {
        self.studentID = studentID
        self.name = name
        self.email = email
        self.mobile = mobile
        self.nationalID = nationalID
        self.activated = activated
        self.diplomaDate = diplomaDate
    }
}

/// Contact data an approval may take from the application instead of the
/// registrar's record; staff choose, having seen both.
public enum ContactField: String, Sendable, CaseIterable {
    case name, email, mobile
}
