import AccountRules
import DaemonSupport
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
@testable import IssuerService
import IssuerCore
import IssuerStore
import IssuerStoreSQLite
import NIOCore
import TestSupport
import Testing

/// Review 2, #3, #4, #8: the application endpoint refuses cheaply, before
/// it reads or seals a byte of a document, and bounds what one client,
/// one national ID and the queue as a whole can cost.
@Suite("Application limits")
struct ApplicationLimitsTests {
    static func nationalID(_ body: String) -> String {
        (0...9).map { body + String($0) }.first { (try? IdentityNumber($0)) != nil }!
    }

    @Test func theHumanCheckAndTheFormAreCheckedBeforeTheFirstFileIsRead() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            // A photo past its limit, without a human check: the answer is about the check,
            // so it was given before the photo's bytes were counted.
            var oversized = SampleApplication()
            oversized.photo = Fixture.largeJPEG(harness.configuration.maxPhotoBytes + 100_000)
            let unchecked = try await client.submit(oversized, altcha: nil)
            #expect(unchecked.status == .badRequest)
            #expect(try errorCode(unchecked) == "human_check_required")
            // Refused before the body's end: the connection closes rather than read the rest.
            #expect(unchecked.headers[.connection] == "close")
            // An invalid national ID with the same photo: the form's own refusal, not the size.
            oversized.fields["national_id"] = "A123456788"
            let invalid = try await client.submit(oversized)
            #expect(invalid.status == .unprocessableContent)
            #expect(try errorCode(invalid) == "national_id_invalid" && invalid.headers[.connection] == "close")
            // A text field after a file is refused: the form is checked as a whole before any file.
            var late = SampleApplication().form(consent: try await client.consentVersion(), altcha: try await client.solvedChallenge())
            late.field("phone", "02-1234-5678")
            let refused = try await client.execute(uri: "/v1/account-applications", method: .post, headers: [.contentType: late.contentType],
                                                   body: late.body) { $0 }
            #expect(refused.status == .badRequest)
            #expect(try errorCode(refused) == "invalid_multipart")
            #expect(String(buffer: refused.body).contains("before the files"))
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: harness.configuration.documentDirectory)) ?? []
        #expect(files.isEmpty, "\(files)")
    }

    @Test func oneClientAndOneNationalIDHaveLimits() async throws {
        let harness = try await IssuerHarness {
            $0.applicationsPerClientHourly = 4
            $0.applicationsPerNationalIDDaily = 2
        }
        try await harness.application.test(.router) { client in
            #expect(try await client.submit().status == .accepted)
            #expect(try await client.submit().status == .accepted)
            // A third naming the same national ID today.
            let third = try await client.submit()
            #expect(third.status == .tooManyRequests)
            #expect(try errorCode(third) == "too_many_attempts")
            #expect(String(buffer: third.body).contains("national ID"))
            // The client's fifth this hour, whatever it names.
            var other = SampleApplication()
            other.fields["national_id"] = Self.nationalID("B22222222")
            #expect(try await client.submit(other).status == .accepted)
            let fifth = try await client.submit(other)
            #expect(fifth.status == .tooManyRequests)
            #expect(fifth.headers[.connection] == "close", "refused before a byte of the body")
            // A client already refused is refused again from memory, without counting in the database.
            #expect(try await client.submit(other).status == .tooManyRequests)
            let counted = try await harness.services.database.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT max(count) FROM rate_counter WHERE scope = 'application_client'")
            }
            #expect(counted == 5)
            let wait = try #require(fifth.headers[.retryAfter].flatMap(Int.init))
            #expect((1...3_600).contains(wait))
            harness.clock.advance(by: Int64(wait))
            other.fields["national_id"] = Self.nationalID("C22222222")
            #expect(try await client.submit(other).status == .accepted)
        }
        // Four accepted, two documents each; nothing of the refused ones.
        #expect(try FileManager.default.contentsOfDirectory(atPath: harness.configuration.documentDirectory).count == 8)
        // The receipt greets no one by the name typed: the centre's mail carries none of the sender's text.
        let mails = try await harness.deliveredMail()
        #expect(mails.count == 4)
        #expect(mails.allSatisfy { !$0.body.contains("林申請") })
    }

    @Test func aFullQueueRefusesNewApplicationsBeforeReadingThem() async throws {
        let harness = try await IssuerHarness { $0.maxOpenApplications = 1 }
        try await harness.application.test(.router) { client in
            #expect(try await client.submit().status == .accepted)
            var other = SampleApplication()
            other.fields["national_id"] = Self.nationalID("B22222222")
            let paused = try await client.submit(other)
            #expect(paused.status == .serviceUnavailable)
            #expect(try errorCode(paused) == "applications_paused")
            #expect(paused.headers[.retryAfter] != nil && paused.headers[.connection] == "close")
        }
    }

    @Test func oneClientHoldsAtMostItsShareOfTheUploadSlots() async throws {
        let slots = UploadSlots(limit: 3, perClient: 2)
        try await slots.withSlot(client: "192.0.2.1") {
            try await slots.withSlot(client: "192.0.2.1") {
                await #expect(throws: IssuerError.self) { try await slots.withSlot(client: "192.0.2.1") {} }
                // Another client still gets the last slot; then the whole bound holds.
                try await slots.withSlot(client: "192.0.2.2") {
                    #expect(slots.inUse == 3)
                    await #expect(throws: IssuerError.self) { try await slots.withSlot(client: "192.0.2.3") {} }
                }
            }
        }
        #expect(slots.inUse == 0)
        try await slots.withSlot(client: "192.0.2.1") { #expect(slots.inUse == 1) }
    }

    @Test func anAddressIsWarnedOnceADayAndMailedAtMostTwentyTimes() async throws {
        let harness = try await IssuerHarness()
        try RegistrarMatchTests.importOwner(harness)
        try await harness.application.test(.router) { client in
            // Three applications naming the owner's national ID, from three addresses.
            for index in 0..<3 {
                let response = try await client.submit(RegistrarMatchTests.claiming("r12000001", email: "claimant\(index)@example.org"))
                #expect(response.status == .accepted)
            }
            // Twenty-two more receipts to one address: twenty a day reach it.
            for index in 0..<22 {
                var other = SampleApplication()
                other.fields["national_id"] = Self.nationalID("B2222\(String(format: "%04d", index))")
                other.fields["email"] = "flooded@example.org"
                let response = try await client.submit(other)
                #expect(response.status == .accepted)
            }
        }
        let mails = try await harness.deliveredMail()
        #expect(mails.filter { $0.recipient == "owner@example.org" }.count == 1)
        #expect(mails.filter { $0.recipient == "flooded@example.org" }.count == MailOutbox.dailyLimitPerRecipient)
    }
}
