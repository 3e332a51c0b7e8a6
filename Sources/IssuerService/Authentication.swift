import CardToken
import Crypto
import DaemonSupport
import Foundation
import HTTPTypes
import Hummingbird
import IssuerCore
import IssuerStore

/// Bearer tokens on requests: holders' sessions and administrators' tokens.
enum Authentication {
    /// The longest bearer token read; ours are under 64 characters.
    static let maximumTokenLength = SessionAuthentication.maximumTokenLength

    static func bearerToken(_ request: Request) throws -> String {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("this endpoint needs an Authorization: Bearer header")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty, parts[1].utf8.count <= maximumTokenLength else {
            throw APIError.unauthorized("the Authorization header must be \"Bearer <token>\"")
        }
        return String(parts[1])
    }
}

extension IssuerServices {
    /// The holder behind a session token, from the API's bearer header or the pages' cookie.
    func authenticatedHolder(sessionToken token: String) async throws -> (holder: Holder, cards: [Card], tokenHash: [UInt8]) {
        try await authentication.holder(sessionToken: token)
    }

    /// As ``authenticatedHolder(sessionToken:)``, for the card, token and
    /// card application endpoints and pages: refused while the password must change.
    func authenticatedCardHolder(sessionToken: String) async throws -> (holder: Holder, cards: [Card], tokenHash: [UInt8]) {
        try await authentication.cardHolder(sessionToken: sessionToken)
    }

    /// The administrator behind the request's bearer token, if their role
    /// is at least `minimum`.
    func authenticatedAdministrator(_ request: Request, minimum: AdminRole) async throws -> (name: String, role: AdminRole) {
        try await authentication.administrator(token: try Authentication.bearerToken(request), minimum: minimum)
    }

    /// The staff member behind a console session cookie, if their role is at least `minimum`.
    func authenticatedStaff(sessionToken: String?, minimum: AdminRole) async throws -> StaffMember {
        try await authentication.staff(sessionToken: sessionToken, minimum: minimum)
    }
}
