import AccountRules
import ArgumentParser
import CLISupport
import Clocks
import DaemonSupport
import Foundation
import IssuerCore
import IssuerService
import IssuerStore
import Logging

/// `alumnicard applications`: the account-application review queue, as
/// the admin API offers it. Every read and decision is audited with
/// `--actor` (default cli:$USER); decisions queue their mails, which the
/// running daemon sends.
struct ApplicationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "applications",
        abstract: "List, read, approve and reject account applications.",
        subcommands: [List.self, Show.self, Approve.self, Reject.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The queue, oldest review deadline first.")
        @OptionGroup var store: StoreOptions
        @Option(help: "pending, needs_info, approved or rejected.")
        var status = "pending"

        func run() async throws {
            guard let wanted = ApplicationStatus(rawValue: status) else { throw CommandFailure.usage("--status is pending, needs_info, approved or rejected") }
            let (shown, total) = try await store.withServices { services in
                var after: String?, shown = 0, total = 0
                repeat {
                    let page = try await services.applications.queue(statuses: [wanted], after: after, limit: 500, actor: store.auditActor, now: store.time)
                    total = page.total
                    shown += page.entries.count
                    show(page.entries)
                    after = page.next?.text
                } while after != nil
                return (shown, total)
            }
            print(total == 0 ? "no \(wanted.rawValue) applications" : "\(shown) of \(total) \(wanted.rawValue) applications")
        }

        private func show(_ entries: [ApplicationQueueEntry]) {
            for entry in entries {
                let due = entry.reviewDue.flatMap { try? CalendarDay(yyyymmdd: $0) }?.description ?? "paused"
                let flags = [entry.registrarMatch.map { "matches imported \($0)" }, entry.knownIdentity ? "identity already known" : nil].compactMap { $0 }
                print("\(entry.id)  due \(due)  \(entry.chineseName)  \(entry.nationalIDMasked)  \(entry.records.compactMap(\.studentID).joined(separator: ","))"
                      + (flags.isEmpty ? "" : "  [\(flags.joined(separator: "; "))]"))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One application in full (the national ID masked; documents are read through the admin API).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The application ID.")
        var id: String

        func run() async throws {
            let a = try await store.withServices { try await $0.applications.application(id: id, actor: store.auditActor, now: store.time) }
            let form = a.form
            print("""
                application   \(a.id) (\(a.status.rawValue))
                submitted     \(describeTime(a.submittedAt)); review due \(a.reviewDue.flatMap { try? CalendarDay(yyyymmdd: $0) }?.description ?? "paused")
                name          \(form.chineseName)\(form.englishName.map { " / \($0)" } ?? ""), \(form.sex), born \(form.birthDate)
                national ID   \((try? IdentityNumber(form.nationalID).masked) ?? "?")
                contact       \(form.email), \(form.mobile)\(form.phone.map { ", \($0)" } ?? "")
                address       \(form.permanentAddress.postalCode) \(form.permanentAddress.county)\(form.permanentAddress.district)\(form.permanentAddress.line)
                consent       version \(a.consent.version), sha256 \(a.consent.sha256), \(describeTime(a.consent.at))
                """)
            for record in form.records {
                print("record        \(record.degree) \(record.department) \(record.admissionYear)–\(record.graduationYear) \(record.studentID ?? "")")
            }
            for document in a.documents { print("document      \(document.kind.rawValue): \(document.contentType), \(document.size) bytes") }
            if let match = a.registrarMatch { print("matches       imported holder \(match): a claim to check against the registrar's record below") }
            for record in a.registrarRecords {
                let national = record.nationalID == .same ? "the same" : record.nationalID == .different ? "DIFFERENT (approval refused)" : "none on file"
                print("registrar     \(record.studentID): \(record.name), \(record.email ?? "no e-mail"), \(record.mobile ?? "no mobile"); national ID \(national)"
                      + (record.activated ? "; already activated" : "") + (record.diplomaDate.map { "; diploma \($0)" } ?? ""))
            }
            if a.knownIdentity { print("note          this national ID already has an account or another open application") }
            if let message = a.message { print("asked         \(message)") }
            if let reply = a.reply { print("answer        \(reply)") }
            if let decided = a.decidedAt { print("decided       \(describeTime(decided)) by \(a.decidedBy ?? "?")\(a.decisionReason.map { ": \($0)" } ?? "")") }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve: open the account with this student ID; the applicant is mailed.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The application ID.")
        var id: String
        @Option(help: "The student ID the account logs in with (confirm it against the records).")
        var studentID: String
        @Option(name: .customLong("take"), help: "A contact field (name, email, mobile) to take from the application over the registrar's record; repeat for more.")
        var take: [String] = []

        func run() async throws {
            let fields = try Set(take.map { name throws(CommandFailure) in
                guard let field = ContactField(rawValue: name) else { throw CommandFailure.usage("--take is name, email or mobile") }
                return field
            })
            _ = try await store.withServices { services in
                try await services.applications.approve(id: id, studentID: studentID, take: fields, actor: store.auditActor, now: store.time)
            }
            print("approved \(id): account \(studentID.uppercased()) opens with the national ID as its first password; the mail is queued")
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject with a reason the applicant is mailed.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The application ID.")
        var id: String
        @Option(help: "Why, in words the applicant reads.")
        var reason: String

        func run() async throws {
            _ = try await store.withServices { try await $0.applications.reject(id: id, reason: reason, actor: store.auditActor, now: store.time) }
            print("rejected \(id); the mail is queued")
        }
    }
}

/// `alumnicard calendar`: check review deadlines against the office calendars.
struct CalendarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Working days on the office calendars named in applications.calendar.",
        subcommands: [AddWorkingDays.self]
    )

    struct AddWorkingDays: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-working-days",
            abstract: "Print the N-th working day after DATE (a review deadline is the 7th after the day of submission).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The date, YYYY-MM-DD.")
        var date: String
        @Argument(help: "How many working days.")
        var count: Int

        func run() throws {
            let configuration = try store.configuration()
            do {
                let day = try CalendarDay(parsing: date)
                let calendar = try IssuerServices.officeCalendar(configuration)
                print(try calendar.addingWorkingDays(count, to: day).description)
            } catch let error as AccountRulesError {
                throw CommandFailure.usage(error.message)
            } catch {
                throw CommandFailure.failed("\(error)")
            }
        }
    }
}

/// `alumnicard mail`: the outbox.
struct MailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail",
        abstract: "The outgoing mail queue.",
        subcommands: [Status.self]
    )

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Counts, and the queued and failed messages with their last error.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let summary = try await store.withServices { try await $0.mailDelivery.summary(status: nil, limit: 100) }
            print("queued \(summary.queued), sent \(summary.sent), failed \(summary.failed)")
            for entry in summary.entries {
                let next = entry.nextAttemptAt.map { ", next try \(describeTime($0))" } ?? ""
                print("#\(entry.id) \(entry.kind) \(entry.status), \(entry.attempts) attempts\(next)\(entry.lastError.map { ": \($0)" } ?? "")")
            }
        }
    }
}
