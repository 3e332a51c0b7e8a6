import DaemonSupport
import HTTPTypes
@testable import IssuerService
import IssuerCore
import Testing

/// The one mapping of domain refusals to HTTP (issue #26).
@Suite("Domain refusals as HTTP answers")
struct IssuerErrorMappingTests {
    @Test(arguments: [
        (IssuerError.Kind.malformed, 400), (.invalidValue, 422), (.unauthenticated, 401), (.forbidden, 403), (.notFound, 404), (.conflict, 409),
        (.tooLarge, 413), (.unsupportedType, 415), (.timedOut, 408), (.tooManyAttempts, 429), (.unavailable, 503),
    ])
    func eachKindHasItsStatus(kind: IssuerError.Kind, status: Int) {
        #expect(IssuerError(kind, code: "c", "m").answer.status.code == status)
    }

    @Test func everyKindIsMapped() {
        // A new kind without a status would fail to compile; this pins that no two kinds share one by accident.
        let statuses = IssuerError.Kind.allCases.map { IssuerError.status(of: $0).code }
        #expect(Set(statuses).count == IssuerError.Kind.allCases.count)
    }

    @Test func theAnswerCarriesCodeFieldRetryAndExtraMembers() {
        var error = IssuerError(.tooManyAttempts, code: "too_many_attempts", "try again in 30 s", field: "login", retryAfter: 30)
        error.extra = ["valid_through": "2030-12-31"]
        let answer = error.answer
        #expect(answer.code == "too_many_attempts" && answer.message == "try again in 30 s" && answer.field == "login")
        #expect(answer.headers[.retryAfter] == "30")
        #expect(answer.extra == ["valid_through": "2030-12-31"])
        #expect(answer.headers[.wwwAuthenticate] == nil)
    }

    @Test func aRequestToSignInNamesTheBearerScheme() {
        #expect(IssuerError.signInRequired("log in").answer.headers[.wwwAuthenticate] == "Bearer")
        // A wrong password is not a request for credentials of another scheme.
        #expect(IssuerError(.unauthenticated, code: "invalid_credentials", "no").answer.headers[.wwwAuthenticate] == nil)
    }

    @Test func pagesAndMiddlewareFindTheSameAnswer() {
        let error = IssuerError.invalid("password_too_short", field: "new_password", "too short")
        #expect(APIError.answering(error)?.status == .unprocessableContent)
        #expect((error as any CodedError).apiError?.code == "password_too_short")
        struct Failure: Error {}
        #expect(APIError.answering(Failure()) == nil)
    }
}
