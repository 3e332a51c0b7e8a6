import DaemonSupport
import CardToken
import IssuerStore
import IssuerStoreSQLite

/// The one alumnus `alumnicard demo` and `serve --dev` create, so a new
/// user can log in, fetch a token and verify it within minutes. Never for
/// production: the password is printed and in the docs.
public enum DemoAlumnus {
    public static let studentID = "R09000001"
    public static let email = "demo@alumni.example.org"
    public static let displayName = "林小明"
    public static let cardNumber = "A000001234"
    public static let password = "demo-password"
    public static let validThrough = "2030-12-31"

    /// Creates or refreshes the demo alumnus and their card, and sets the password.
    public static func seed(into services: IssuerServices, actor: String) throws {
        let row = RegistrarRow(studentID: studentID, displayName: displayName, email: email,
                               cardNumber: try CardNumber(cardNumber), validThrough: try CardDate(iso8601: validThrough))
        let report = try services.accounts.upsert(row, now: services.clock.now(), actor: actor)
        if let rejected = report.rows.first(where: { $0.action == .rejected }) {
            throw IssuerStoreError(.invalidChange, "the demo alumnus was refused: \(rejected.detail)")
        }
        try services.accounts.setPasswordHash(studentID: studentID, hash: services.hasher.hash(password), now: services.clock.now(), actor: actor)
    }

    /// A second demo alumnus with no card yet, who applies for the digital
    /// card in docs/cards.md. Same password.
    public enum Applicant {
        public static let studentID = "R09000002"
        public static let email = "applicant@alumni.example.org"
        public static let displayName = "陳小華"
    }

    /// Creates the applicant once; a later start leaves their cards and
    /// applications as the walk-through left them.
    public static func seedApplicant(into services: IssuerServices, actor: String) throws {
        guard try services.accounts.holder(studentID: Applicant.studentID) == nil else { return }
        let row = RegistrarRow(studentID: Applicant.studentID, displayName: Applicant.displayName, email: Applicant.email,
                               cardNumber: nil, validThrough: nil)
        let report = try services.accounts.upsert(row, now: services.clock.now(), actor: actor)
        if let rejected = report.rows.first(where: { $0.action == .rejected }) {
            throw IssuerStoreError(.invalidChange, "the demo applicant was refused: \(rejected.detail)")
        }
        try services.accounts.setPasswordHash(studentID: Applicant.studentID, hash: services.hasher.hash(password), now: services.clock.now(), actor: actor)
    }
}
