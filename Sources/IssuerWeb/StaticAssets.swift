import Crypto
import Foundation

/// The pages' stylesheet and scripts, held in memory. Each is linked as
/// `/static/NAME?v=VERSION` (VERSION from its SHA-256), so browsers may keep
/// it for a year and a new release is fetched at once.
public struct StaticAssets: Sendable {
    public struct Asset: Sendable {
        public let name: String
        public let bytes: [UInt8]
        public let contentType: String
        public let version: String

        public var path: String { "/static/\(name)?v=\(version)" }
    }

    public let assets: [String: Asset]
    /// The versioned paths templates link to, by a name Mustache can read
    /// (`app.css` → `app_css`).
    public let paths: [String: String]

    static let contentTypes = ["css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8",
                               "svg": "image/svg+xml", "webmanifest": "application/manifest+json"]

    public init() throws(WebResourceError) {
        var assets: [String: Asset] = [:]
        // The service worker is served from the root by ``CardServiceWorker``, not from here.
        for name in try WebResources.files(in: "static", ending: "") where !name.hasSuffix("-sw.js") {
            guard let suffix = name.split(separator: ".").last.map(String.init), let type = Self.contentTypes[suffix] else { continue }
            let bytes = Array(try WebResources.data("static/\(name)"))
            let digest = SHA256.hash(data: bytes)
            assets[name] = Asset(name: name, bytes: bytes, contentType: type, version: digest.prefix(6).map { String(format: "%02x", $0) }.joined())
        }
        self.assets = assets
        paths = Dictionary(uniqueKeysWithValues: assets.values.map { ($0.name.replacingOccurrences(of: ".", with: "_").replacingOccurrences(of: "-", with: "_"), $0.path) })
    }

    public subscript(name: String) -> Asset? { assets[name] }

    /// One version for the whole set: the card page's offline copy is
    /// replaced when any of them changes.
    public var combinedVersion: String {
        var hasher = SHA256()
        for name in assets.keys.sorted() { hasher.update(data: Array(assets[name]!.version.utf8)) }
        return hasher.finalize().prefix(6).map { String(format: "%02x", $0) }.joined()
    }
}
