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
