import DaemonSupport
import Foundation
import HTTPTypes
import Hummingbird
import IssuerCore
import NIOCore

/// Probes, metrics and the API description.
struct OperationsController: Sendable {
    let readiness: Readiness
    let metrics: IssuerMetrics

    func addRoutes(to router: Router<IssuerRequestContext>) {
        router.get("healthz", use: health)
        router.get("readyz", use: ready)
        router.get("metrics", use: metrics)
        router.get("openapi.yaml", use: openAPI)
    }

    struct Status: Encodable {
        let status: String
        var problems: [String]? = nil
    }

    /// Alive: the process answers. (Whether it can do its job is /readyz.)
    @Sendable func health(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        try JSONBody.response(Status(status: "ok"))
    }

    /// Ready: the database answers, a key is active and a key set is served.
    @Sendable func ready(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let problems = await readiness.problems()
        if problems.isEmpty { return try JSONBody.response(Status(status: "ready")) }
        return try JSONBody.response(Status(status: "not_ready", problems: problems), status: .serviceUnavailable)
    }

    @Sendable func metrics(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(bytes: self.metrics.service.exposition())))
    }

    @Sendable func openAPI(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        guard let document = OpenAPIDocument.text else {
            throw APIError.notFound("the OpenAPI document is not installed next to the executable; see docs/openapi.yaml")
        }
        return Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8", .cacheControl: "public, max-age=3600"],
                        body: .init(byteBuffer: ByteBuffer(string: document)))
    }
}

/// docs/openapi.yaml, shipped as a resource of this target.
enum OpenAPIDocument {
    static let text: String? = {
        // SwiftPM's generated `Bundle.module` stops the process when the
        // bundle is missing (a binary copied without it); look it up by hand.
        let name = "AlumniCard_IssuerService.resources"
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent(name),
            executable.appendingPathComponent(name),
            URL(fileURLWithPath: "/usr/share/alumnicard"),
        ]
        for directory in candidates {
            if let text = try? String(contentsOf: directory.appendingPathComponent("openapi.yaml"), encoding: .utf8) { return text }
        }
        // Tests run from an xctest bundle beside the resource bundle.
        for bundle in Bundle.allBundles {
            let url = bundle.bundleURL.deletingLastPathComponent().appendingPathComponent(name).appendingPathComponent("openapi.yaml")
            if let text = try? String(contentsOf: url, encoding: .utf8) { return text }
        }
        return nil
    }()
}
