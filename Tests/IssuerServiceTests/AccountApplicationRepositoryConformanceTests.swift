import AccountRules
import CardToken
import Foundation
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import Testing

/// Issue #26, item 4: account applications behave alike on every backend,
/// two staff members deciding one application at once included.
@Suite("Account application repository: every backend behaves alike")
struct AccountApplicationRepositoryConformanceTests {
    static let kek = KeyEncryptionKey.generate().key
    static let nationalID = try! IdentityNumber("A123456789")

    static func make(_ backend: StorageBackend) async throws -> (applications: any AccountApplicationRepository, holders: any HolderRepository,
                                                                 outbox: any OutboxRepository, audit: any AuditRepository) {
        let store = try await backend.store()
        return (store.applications(kek: kek), store.holders(kek: kek), store.outbox(kek: kek), store.audit())
    }

    static func submission(_ id: String, token: String, email: String = "applicant@example.org") -> ApplicationSubmission {
        let form = AccountApplicationForm(
            chineseName: "王範例", englishName: "Example Wang", sex: "female", nationalID: nationalID.value, birthDate: "1990-05-17",
            records: [EducationRecord(degree: "bachelor", department: "範例學系", admissionYear: 2010, graduationYear: 2014, studentID: "B00000042")],
            permanentAddress: PostalAddress(region: "domestic", postalCode: "106", county: "臺北市", district: "大安區", line: "範例路 1 號", country: "TW"),
            mailingAddress: nil, phone: nil, mobile: "0900000042", email: email)
        return ApplicationSubmission(
            id: id, form: form, nationalID: nationalID, consent: ConsentRecord(version: "1", sha256: String(repeating: "0", count: 64), at: 100),
            statusTokenHash: BearerToken.digest(token), reviewDue: 20_270_310,
            documents: [StoredDocument(kind: .photo, contentType: "image/png", fileName: "\(id)-photo.sealed", size: 10),
                        StoredDocument(kind: .idDocument, contentType: "application/pdf", fileName: "\(id)-id.sealed", size: 20)])
    }

    static func mail(_ kind: String, to: String) -> OutgoingMail {
        OutgoingMail(kind: kind, recipient: to, message: Array("Subject: \(kind)\r\n\r\nbody\r\n".utf8))
    }

    @Test(arguments: StorageBackend.allCases)
    func aSubmissionIsStoredWithItsMailsAndTheIdentityIsKnownToTheNext(backend: StorageBackend) async throws {
        let (applications, _, outbox, _) = try await Self.make(backend)
        let seen = FactsSeen()
        for (id, token) in [("APTEST001", "ast_one"), ("APTEST002", "ast_two")] {
            try await applications.submit(Self.submission(id, token: token), mails: { facts in
                seen.append(facts.known)
                return [Self.mail("application_received", to: "applicant@example.org")]
            }, now: 100)
        }
        #expect(seen.values == [false, true], "the second application names a national ID already open")
        #expect(try await applications.openApplications() == 2)
        #expect(try await applications.count() == 2)
        #expect(try await outbox.due(now: 100, limit: 10).filter { $0.kind == "application_received" }.count == 2)
        let status = try #require(try await applications.status(tokenHash: BearerToken.digest("ast_one"), decidedSince: .min))
        #expect(status.id == "APTEST001" && status.status == .pending && status.documents.count == 2)
        #expect(try await applications.status(tokenHash: BearerToken.digest("ast_nope"), decidedSince: .min) == nil)
        #expect(try await applications.knownDocumentFiles() == ["APTEST001-photo.sealed", "APTEST001-id.sealed", "APTEST002-photo.sealed", "APTEST002-id.sealed"])
        #expect(applications.nationalIDKey(Self.nationalID) == applications.nationalIDKey(try IdentityNumber("a123456789")))
    }

    @Test(arguments: StorageBackend.allCases)
    func staffReadsAreAuditedAndTheQueuePages(backend: StorageBackend) async throws {
        let (applications, _, _, audit) = try await Self.make(backend)
        for index in 0..<3 { try await applications.submit(Self.submission("APTEST00\(index)", token: "ast_\(index)"), mails: { _ in [] }, now: 100 + Int64(index)) }
        let first = try await applications.queue(statuses: [.pending], after: nil, limit: 2, actor: "staff:mei", now: 200)
        #expect(first.total == 3 && first.entries.map(\.id) == ["APTEST000", "APTEST001"])
        let second = try await applications.queue(statuses: [.pending], after: first.next, limit: 2, actor: "staff:mei", now: 200)
        #expect(second.entries.map(\.id) == ["APTEST002"] && second.next == nil)
        #expect(try await applications.application(id: "APTEST001", actor: "staff:mei", now: 201).form.chineseName == "王範例")
        #expect(try await applications.revealNationalID(id: "APTEST001", actor: "staff:mei", now: 202) == "A123456789")
        #expect(try await applications.documentForReading(id: "APTEST001", kind: .photo, actor: "staff:mei", now: 203).fileName == "APTEST001-photo.sealed")
        let actions = try await audit.recent(limit: 20).filter { $0.actor == "staff:mei" }.map(\.action)
        #expect(actions.contains("application_read") && actions.count >= 4, "\(actions)")
        do {
            _ = try await applications.application(id: "APTEST009", actor: "staff:mei", now: 204)
            Issue.record("an unknown application was read")
        } catch let error as IssuerStoreError { #expect(error.code == .notFound) }
    }

    @Test(arguments: StorageBackend.allCases)
    func ofTwoRacingDecisionsOneWinsAndOnlyItsMailIsQueued(backend: StorageBackend) async throws {
        let (applications, holders, outbox, _) = try await Self.make(backend)
        try await applications.submit(Self.submission("APTEST001", token: "ast_one"), mails: { _ in [] }, now: 100)
        let outcomes = await withTaskGroup(of: String.self) { group in
            group.addTask {
                do {
                    _ = try await applications.decide(id: "APTEST001", decision: .approve(studentID: "B00000042"), mails: { _, account in
                        [Self.mail("application_approved", to: account?.email ?? "none@example.org")]
                    }, actor: "staff:a", now: 300)
                    return "approved"
                } catch let error as IssuerStoreError { return error.code.rawValue } catch { return "other" }
            }
            group.addTask {
                do {
                    _ = try await applications.decide(id: "APTEST001", decision: .reject(reason: "duplicate"), mails: { application, _ in
                        [Self.mail("application_rejected", to: application.form.email)]
                    }, actor: "staff:b", now: 300)
                    return "rejected"
                } catch let error as IssuerStoreError { return error.code.rawValue } catch { return "other" }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }.sorted()
        }
        #expect(outcomes == ["alreadyDecided", "approved"] || outcomes == ["alreadyDecided", "rejected"], "\(outcomes)")
        let mails = try await outbox.due(now: 300, limit: 10).map(\.kind)
        #expect(mails.count == 1 && (mails == ["application_approved"]) == outcomes.contains("approved"))
        let opened = try await holders.holder(studentID: "B00000042")
        #expect((opened != nil) == outcomes.contains("approved"), "an account exists exactly when the approval won")
    }

    @Test(arguments: StorageBackend.allCases)
    func aRequestForMoreStopsTheClockTheAnswerReplacesDocumentsAndAnUnansweredOneLapses(backend: StorageBackend) async throws {
        let (applications, _, outbox, _) = try await Self.make(backend)
        for id in ["APTEST001", "APTEST002"] { try await applications.submit(Self.submission(id, token: "ast_\(id)"), mails: { _ in [] }, now: 100) }
        for id in ["APTEST001", "APTEST002"] {
            try await applications.requestInfo(id: id, message: "a clearer photo, please", infoTokenHash: BearerToken.digest("ast_info_\(id)"),
                                               workingDaysLeft: { _ in 4 }, mail: { application in Self.mail("application_needs_info", to: application.form.email) },
                                               actor: "staff:mei", now: 200)
        }
        let waiting = try #require(try await applications.status(tokenHash: BearerToken.digest("ast_info_APTEST001"), decidedSince: .min))
        #expect(waiting.status == .needsInfo && waiting.workingDaysLeft == 4 && waiting.message == "a clearer photo, please")
        let replaced = try await applications.answer(tokenHash: BearerToken.digest("ast_APTEST001"), reply: "here it is",
                                                     documents: [StoredDocument(kind: .photo, contentType: "image/jpeg", fileName: "APTEST001-photo-2.sealed", size: 11)],
                                                     reviewDue: 20_270_320, now: 300)
        #expect(replaced.map(\.fileName) == ["APTEST001-photo.sealed"])
        #expect(try await applications.status(tokenHash: BearerToken.digest("ast_APTEST001"), decidedSince: .min)?.status == .pending)
        // AP2 was never answered: closed as rejected, with its mail.
        #expect(try await applications.closeUnanswered(requestedBefore: 1_000, reason: "no answer", mail: { application in
            Self.mail("application_lapsed", to: application.form.email)
        }, now: 1_000) == 1)
        #expect(try await applications.status(tokenHash: BearerToken.digest("ast_APTEST002"), decidedSince: .min)?.status == .rejected)
        #expect(try await outbox.due(now: 1_000, limit: 10).filter { $0.kind == "application_lapsed" }.count == 1)
        // Its documents go after their retention, then the application itself.
        let due = try await applications.documentsPastRetention(decidedBefore: 2_000)
        #expect(due.map(\.id) == ["APTEST002"] && due.first?.documents.count == 2)
        #expect(try await applications.eraseRejected(decidedBefore: 2_000, now: 2_000) == 0, "documents first")
        try await applications.markDocumentsDeleted(id: "APTEST002", now: 2_000)
        #expect(try await applications.eraseRejected(decidedBefore: 2_000, now: 2_000) == 1)
        #expect(try await applications.count() == 1)
        _ = try await applications.sealClearStaffTexts()
    }
}

/// What a transaction's mail closure saw, collected across the repository's threads.
final class FactsSeen: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [Bool] = []
    func append(_ value: Bool) { lock.withLock { seen.append(value) } }
    var values: [Bool] { lock.withLock { seen } }
}
