import Foundation
import HTTPTypes
import Hummingbird
import IssuerStore
import NIOCore

/// An uploaded document as staff receive it, from the admin API or the
/// console: its stored content type, a sandbox so that nothing in it can
/// run as this site, and a file name whose extension matches the content,
/// so a saved copy opens in the viewer for its type (review 2, #14).
enum DocumentResponse {
    static let policy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"

    /// `inline` for the console's view in the browser, `attachment` for the API.
    static func response(_ file: (contentType: String, data: Data), application id: String, kind: DocumentKind, inline: Bool) -> Response {
        var headers: HTTPFields = [.contentType: file.contentType, .cacheControl: "no-store"]
        headers[HTTPField.Name("Content-Security-Policy")!] = policy
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        let name = "\(id)-\(kind.rawValue).\(fileExtension(file.contentType))"
        headers[.contentDisposition] = "\(inline ? "inline" : "attachment"); filename=\"\(name)\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.data)))
    }

    static func fileExtension(_ contentType: String) -> String {
        switch contentType {
        case "image/jpeg": "jpg"
        case "image/png": "png"
        case "application/pdf": "pdf"
        default: "bin"
        }
    }
}
