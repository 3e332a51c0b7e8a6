import IssuerStore

/// Whether this instance can do its job (`/readyz`): the storage answers,
/// a key is active, a key set is signed or installed.
package struct Readiness: Sendable {
    package let probe: any StorageProbe
    package let keyService: KeyService

    package init(probe: any StorageProbe, keyService: KeyService) {
        self.probe = probe
        self.keyService = keyService
    }

    /// What is wrong; empty when ready.
    package func problems() async -> [String] {
        guard await probe.isReachable() else { return ["the database does not answer"] }
        return await keyService.readinessProblems()
    }
}
