import DaemonSupport
import Hummingbird
import IssuerCore
import IssuerStore
import Logging

/// A `multipart/form-data` request body as the domain's ``FormUpload``:
/// read as it streams by ``MultipartFormReader``, files sealed into the
/// document store. It remembers whether the body was read to its end, so
/// that a refusal before then can close the connection.
final class RequestFormUpload: FormUpload, @unchecked Sendable {
    let request: Request
    let documents: any DocumentStore
    /// Set once, by the one task reading the body; read after it finished.
    private(set) var bodyRead = false

    init(_ request: Request, documents: any DocumentStore) {
        self.request = request
        self.documents = documents
    }

    func read(textFields: Set<String>, files: [String: UploadRule], maximumFieldBytes: Int, deadline: Duration,
              gate: @escaping Gate) async throws -> UploadedForm {
        let reader = MultipartFormReader(textFields: textFields, fileRules: files, maximumFieldBytes: maximumFieldBytes, documents: documents)
        let form = try await reader.read(request, deadline: deadline, gate: gate)
        bodyRead = true
        return form
    }
}

extension AccountApplicationService {
    /// Reads, checks and stores an application sent as a multipart request
    /// (the API and the page). Refused before the whole body arrived, the
    /// answer closes the connection, sparing the server reading (and
    /// discarding) the rest of it.
    func submit(_ request: Request, client: String, now: Int64, logger: Logger, pageCheck: PageCheck? = nil) async throws -> Submitted {
        let upload = RequestFormUpload(request, documents: documents)
        do {
            return try await submit(upload, client: client, now: now, logger: logger, pageCheck: pageCheck)
        } catch where !upload.bodyRead {
            guard var answer = APIError.answering(error) else { throw error }
            answer.headers[.connection] = "close"
            throw answer
        }
    }

    /// The applicant's answer to `needs_info`, sent as a multipart request.
    func answer(_ request: Request, client: String, now: Int64, logger: Logger, pageCheck: PageCheck? = nil) async throws -> ApplicationPublicStatus {
        try await answer(RequestFormUpload(request, documents: documents), client: client, now: now, logger: logger, pageCheck: pageCheck)
    }
}
