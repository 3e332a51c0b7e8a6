import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Turns every error into a JSON error body: ``APIError`` as it is,
/// Hummingbird's own errors (unknown route, body too large, wrong method)
/// with their status, and anything else as a logged 500 whose body says
/// nothing about the inside.
public struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.jsonResponse()
        } catch let error as HTTPError {
            return APIError.jsonResponse(status: error.status, code: Self.code(for: error.status),
                                         message: error.body ?? Self.message(for: error.status, request), headers: error.headers)
        } catch is NIOTooManyBytesError {
            return APIError.jsonResponse(status: .contentTooLarge, code: "body_too_large", message: "the request body is larger than this endpoint accepts")
        } catch let error as any HTTPResponseError {
            return APIError.jsonResponse(status: error.status, code: Self.code(for: error.status), message: error.status.reasonPhrase)
        } catch let error as any CodedError {
            if let answer = error.apiError {
                if let alert = error.operatorAlert {
                    context.logger.error("\(alert)", metadata: ["error_code": "\(error.logCode)", "route": "\(context.endpointPath ?? "unmatched")"])
                } else if answer.status.code >= 500 {
                    context.logger.warning("request refused", metadata: ["error_code": "\(error.logCode)", "route": "\(context.endpointPath ?? "unmatched")"])
                }
                return answer.jsonResponse()
            }
            context.logger.error("request failed", metadata: ["error_type": "\(type(of: error))", "error_code": "\(error.logCode)",
                                                              "route": "\(context.endpointPath ?? "unmatched")"])
            return APIError.jsonResponse(status: .internalServerError, code: "internal_error", message: "the server failed to answer; the failure is logged")
        } catch {
            // The type only: messages of unexpected errors may carry input.
            context.logger.error("request failed", metadata: ["error_type": "\(type(of: error))", "route": "\(context.endpointPath ?? "unmatched")"])
            return APIError.jsonResponse(status: .internalServerError, code: "internal_error", message: "the server failed to answer; the failure is logged")
        }
    }

    /// Hummingbird's own refusals carry only a reason phrase; say what to do.
    static func message(for status: HTTPResponse.Status, _ request: Request) -> String {
        let path = String(request.uri.path.prefix(200))
        switch status.code {
        case 404: return "there is no endpoint at \(path); check the path (the issuer describes its API at /openapi.yaml)"
        case 405: return "\(path) does not take \(request.method.rawValue); check the method"
        default: return status.reasonPhrase
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad_request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 413: "body_too_large"
        case 415: "unsupported_media_type"
        case 429: "too_many_requests"
        default: status.code >= 500 ? "internal_error" : "error_\(status.code)"
        }
    }
}

extension APIError {
    func jsonResponse() -> Response {
        APIError.jsonResponse(status: status, code: code, message: message, headers: headers, field: field, extra: extra)
    }
}
