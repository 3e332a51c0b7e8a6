import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// Requests to the daemons under test, over real loopback sockets.
enum LoopbackHTTP {
    struct Answer {
        let status: Int
        let data: Data
        var headers: HTTPHeaders = [:]
        var text: String { String(decoding: data, as: UTF8.self) }
        /// The body as a JSON object (empty when it is not one).
        var object: [String: Any] { ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:] }
    }

    static func request(_ method: HTTPMethod, _ url: String, bearer: String? = nil, json: [String: Any]? = nil, text: String? = nil,
                        headers: [String: String] = [:]) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        } else if let text {
            request.headers.add(name: "Content-Type", value: "text/plain")
            request.body = .bytes(ByteBuffer(string: text))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), data: Data(body.readableBytesView), headers: response.headers)
    }
}
