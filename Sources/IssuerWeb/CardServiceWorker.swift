import Foundation

/// The card page's service worker script (`Resources/static/card-sw.js`),
/// with the shell it keeps and a version that changes with any asset, so a
/// new release replaces the kept copy. Served at `/card-sw.js`: a worker's
/// scope can be no wider than its own folder, and the card page is `/card`.
public struct CardServiceWorker: Sendable {
    public static let path = "/card-sw.js"
    public let script: String

    public init(assets: StaticAssets, shell: [String]) throws(WebResourceError) {
        let template = String(decoding: try WebResources.data("static/card-sw.js"), as: UTF8.self)
        let list = "[" + shell.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        script = template.replacingOccurrences(of: "__VERSION__", with: assets.combinedVersion)
            .replacingOccurrences(of: "__SHELL__", with: list)
    }
}
