import ArgumentParser
import CLISupport
import IssuerService
import IssuerStore

/// `alumnicard demo`: seeds the demo alumnus into a database.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create (or refresh) the demo alumnus and card, with a known password. Not for production.")

    @OptionGroup var store: StoreOptions

    func run() throws {
        let configuration = try store.configuration()
        let services: IssuerServices
        do {
            let kek = try store.openStore().kek
            services = try IssuerServices(configuration: configuration, credentials: IssuerCredentials(kek: kek, rootKey: nil, bootstrapAdminTokenHash: nil))
            try DemoAlumnus.seed(into: services, actor: store.auditActor)
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure.failed("\(error)")
        }
        print("demo alumnus \(DemoAlumnus.displayName): login \(DemoAlumnus.studentID) or \(DemoAlumnus.email), password \(DemoAlumnus.password), card \(DemoAlumnus.cardNumber)")
    }
}
