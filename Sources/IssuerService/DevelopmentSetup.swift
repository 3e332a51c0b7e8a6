import AccountRules
import CardKeys
import CardToken
import Clocks
import Crypto
import DaemonSupport
import Foundation
import IssuerCore
import IssuerStore
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

    private static func json(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value) + Data("\n".utf8)
    }
}
