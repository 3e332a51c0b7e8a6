import ArgumentParser
import CLISupport
import IssuerCore
import IssuerService
import IssuerStore
import IssuerStoreSQLite

/// `alumnicard demo`: seeds the demo alumnus into a database.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create (or refresh) the demo alumnus and card, with a known password. Not for production.",
        discussion: "Refused on a database not made by `serve --dev`: the demo alumnus's password is public, and its student ID may be a real one's. --mark-development marks a database made otherwise as a development one first.")

    @OptionGroup var store: StoreOptions

    @Flag(help: "Mark this database as a development one (never do this to a real one), then seed.")
    var markDevelopment = false

    func run() async throws {
        let configuration = try store.configuration()
        try await store.withServices { services in
            if markDevelopment { try await services.repositories.instances.markDevelopment(now: store.time) }
            guard try await services.repositories.instances.isDevelopment() else {
                throw CommandFailure.failed("\(configuration.database) is not a development database (made by `alumnicard serve --dev`): the demo alumnus has a public password and would overwrite student \(DemoAlumnus.studentID) if that is a real one. Use `serve --dev`, or --mark-development on a database that holds no real data")
            }
            try await services.samples.seedDemoAlumnus(actor: store.auditActor)
        }
        print("demo alumnus \(DemoAlumnus.displayName): login \(DemoAlumnus.studentID) or \(DemoAlumnus.email), password \(DemoAlumnus.password), card \(DemoAlumnus.cardNumber)")
    }
}
