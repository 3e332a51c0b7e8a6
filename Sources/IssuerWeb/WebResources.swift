import Foundation

/// The bundled templates, catalogues and static files, read once at start-up.
enum WebResources {
    static var root: URL {
        Bundle.module.resourceURL ?? Bundle.module.bundleURL
    }

    static func data(_ relativePath: String) throws(WebResourceError) -> Data {
        do {
            return try Data(contentsOf: root.appendingPathComponent(relativePath))
        } catch {
            throw WebResourceError(relativePath, "cannot be read: \(error.localizedDescription)")
        }
    }

    /// The file names in a resource folder, sorted.
    static func files(in folder: String, ending suffix: String) throws(WebResourceError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)
                .filter { $0.hasSuffix(suffix) }.sorted()
        } catch {
            throw WebResourceError(folder, "cannot be listed: \(error.localizedDescription)")
        }
    }
}

/// A bundled page resource that is missing or malformed: the build is broken.
public struct WebResourceError: Error, CustomStringConvertible, Sendable {
    public let resource: String
    public let problem: String

    init(_ resource: String, _ problem: String) {
        self.resource = resource
        self.problem = problem
    }

    public var description: String { "the page resource \(resource) \(problem); reinstall the issuer" }
}
