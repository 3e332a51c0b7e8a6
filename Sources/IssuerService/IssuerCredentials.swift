import CardKeys
import CardToken
import Foundation
import IssuerStore
import SecureFiles

/// The secrets the daemon needs, each from a file named in the
/// configuration or else from its systemd credential
/// (`$CREDENTIALS_DIRECTORY/<name>`, see `LoadCredential=`).
public struct IssuerCredentials: Sendable {
    public static let rootCredential = "alumnicard-root"
    public static let adminTokenCredential = "alumnicard-admin-token"
    public static let smtpPasswordCredential = "alumnicard-smtp-password"
    public static let postgresPasswordCredential = "alumnicard-postgres-password"

    public let kek: KeyEncryptionKey
    /// The root key, when this host signs key sets itself. Without it the
    /// daemon serves key sets installed with `alumnicard keyset install`.
    public let rootKey: RootSigningKey?
    /// The SHA-256 of the bootstrap administrator token, if one is set.
    public let bootstrapAdminTokenHash: [UInt8]?
    /// The SMTP relay's password (`mail.username`'s), if one is set.
    public let smtpPassword: String?
    /// The PostgreSQL password (`storage.postgres_url`'s user), if one is set.
    public let postgresPassword: String?

    public init(kek: KeyEncryptionKey, rootKey: RootSigningKey?, bootstrapAdminTokenHash: [UInt8]?, smtpPassword: String? = nil,
                postgresPassword: String? = nil) {
        self.kek = kek
        self.rootKey = rootKey
        self.bootstrapAdminTokenHash = bootstrapAdminTokenHash
        self.smtpPassword = smtpPassword
        self.postgresPassword = postgresPassword
    }

    public static func load(_ configuration: IssuerConfiguration, environment: [String: String]) throws(IssuerServiceError) -> IssuerCredentials {
        let credentials = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 }
        func locate(_ explicit: String?, credential: String) -> String? {
            if let explicit { return explicit }
            guard let credentials else { return nil }
            let path = credentials + "/" + credential
            return FileManager.default.fileExists(atPath: path) ? path : nil
        }
        let kek: KeyEncryptionKey
        do {
            kek = try KeyEncryptionKey.locate(explicitPath: configuration.kekFile, fallbackPath: "/etc/alumnicard/kek", environment: environment)
        } catch {
            throw IssuerServiceError(.secrets, "secrets.kek_file: \(error.message)")
        }
        var root: RootSigningKey?
        if let path = locate(configuration.rootKeyFile, credential: rootCredential) {
            root = try readRoot(path)
        }
        var adminHash: [UInt8]?
        if let path = locate(configuration.adminTokenFile, credential: adminTokenCredential) {
            let token = try readSecretLine(path, key: "secrets.admin_token_file")
            guard token.utf8.count >= 32 else {
                throw IssuerServiceError(.secrets, "secrets.admin_token_file: the token in \(path) is shorter than 32 characters; make one with `alumnicard admin-tokens generate`")
            }
            adminHash = BearerToken.digest(token)
        }
        var smtpPassword: String?
        if let path = locate(configuration.smtpPasswordFile, credential: smtpPasswordCredential) {
            smtpPassword = try readSecretLine(path, key: "secrets.smtp_password_file")
        }
        if configuration.smtpUsername != nil && smtpPassword == nil {
            throw IssuerServiceError(.secrets, "mail.username is set but there is no password: set secrets.smtp_password_file or the credential \(smtpPasswordCredential)")
        }
        return IssuerCredentials(kek: kek, rootKey: root, bootstrapAdminTokenHash: adminHash, smtpPassword: smtpPassword,
                                 postgresPassword: try postgresPassword(configuration, environment: environment))
    }

    /// The PostgreSQL password: `storage.postgres_password_file`, else the
    /// credential alumnicard-postgres-password, else none (a server that
    /// trusts the client, or a password in the environment's URL).
    public static func postgresPassword(_ configuration: IssuerConfiguration, environment: [String: String]) throws(IssuerServiceError) -> String? {
        guard configuration.postgres != nil else { return nil }
        var path = configuration.postgresPasswordFile
        if path == nil, let credentials = environment["CREDENTIALS_DIRECTORY"], !credentials.isEmpty {
            let candidate = credentials + "/" + postgresPasswordCredential
            if FileManager.default.fileExists(atPath: candidate) { path = candidate }
        }
        return try path.map { path throws(IssuerServiceError) in try readSecretLine(path, key: "storage.postgres_password_file") }
    }

    static func readRoot(_ path: String) throws(IssuerServiceError) -> RootSigningKey {
        let data = try readSecret(path, key: "secrets.root_key_file")
        do {
            return try RootSigningKey(jwk: JSONDecoder().decode(JSONWebKey.self, from: data))
        } catch let error as CardKeysError {
            throw IssuerServiceError(.secrets, "secrets.root_key_file: \(path): \(error.message)")
        } catch {
            throw IssuerServiceError(.secrets, "secrets.root_key_file: \(path) is not a JWK")
        }
    }

    static func readSecretLine(_ path: String, key: String) throws(IssuerServiceError) -> String {
        String(decoding: try readSecret(path, key: key), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func readSecret(_ path: String, key: String) throws(IssuerServiceError) -> Data {
        if SecureFile.isExposed(path) {
            throw IssuerServiceError(.secrets, "\(key): \(path) can be read by other users; run `chmod 600 \(path)`")
        }
        do { return try SecureFile.read(path, limit: 64 * 1024) } catch {
            throw IssuerServiceError(.secrets, "\(key): cannot read \(path): \(error.message)")
        }
    }
}
