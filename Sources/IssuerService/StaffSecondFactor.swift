import Foundation
import HummingbirdOTP

/// The staff console's second factor: RFC 6238 TOTP (SHA-1, six digits,
/// 30-second steps, as authenticator apps expect), the codes computed by
/// HummingbirdOTP. A code of the current step or one step either side is
/// accepted (clock drift), and only for a step newer than the last one
/// taken, so no code is accepted twice. No HTTP, no SQL: the caller takes
/// the step in the database (``IssuerStore/StaffStore/takeStep(name:step:enrol:now:)``).
struct StaffSecondFactor: Sendable {
    static let timeStep: Int64 = 30
    static let drift: Int64 = 1

    let secret: String

    var totp: TOTP { TOTP(secret: secret, length: 6, timeStep: Int(Self.timeStep)) }

    /// The time step a code belongs to, if it is right for `now` (± drift)
    /// and newer than `lastStep`.
    func step(for code: String, now: Int64, lastStep: Int64) -> Int64? {
        let digits = code.filter { !$0.isWhitespace }
        guard digits.count == 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits) else { return nil }
        let current = now / Self.timeStep
        for step in (current - Self.drift)...(current + Self.drift) where step > lastStep {
            if totp.compute(date: Date(timeIntervalSince1970: TimeInterval(step * Self.timeStep))) == value { return step }
        }
        return nil
    }

    /// The `otpauth://` URI an authenticator app reads (from the enrolment QR code).
    func enrolmentURI(name: String, issuer: String) -> String {
        totp.createAuthenticatorURL(label: "\(issuer):\(name)", issuer: issuer)
    }
}
