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

    /// A second demo alumnus with no card yet, who applies for the digital
    /// card in docs/cards.md. Same password.
    public enum Applicant {
        public static let studentID = "R09000002"
        public static let email = "applicant@alumni.example.org"
        public static let displayName = "陳小華"
    }

    /// The demo staff member (admin, the same password).
    public static let staffName = "demo-staff"
}
