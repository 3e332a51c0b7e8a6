import HTTPTypes
import Hummingbird
import IssuerWeb
import NIOCore

/// `/static/NAME`: the pages' stylesheet and scripts from memory. Asked
/// for with their current `?v=`, they may be kept for a year; otherwise
/// they are revalidated by ETag.
struct StaticAssetController: Sendable {
    let assets: StaticAssets

    func addRoutes(to router: Router<IssuerRequestContext>) {
        router.get("static/:name", use: asset)
    }

    @Sendable func asset(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        guard let name = context.parameters.get("name"), let asset = assets[name] else { throw HTTPError(.notFound) }
        let etag = "\"\(asset.version)\""
        var headers: HTTPFields = [.contentType: asset.contentType, .eTag: etag]
        headers[.cacheControl] = request.uri.queryParameters["v"].map(String.init) == asset.version ? "public, max-age=31536000, immutable" : "no-cache"
        if request.headers[.ifNoneMatch] == etag { return Response(status: .notModified, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
