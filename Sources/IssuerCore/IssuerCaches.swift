/// What this process keeps in memory about sessions, cards and keys, and
/// how a change made here makes it forget at once. (A change made by
/// another process or instance is seen when an entry ages out: see each
/// cache's bound.)
package struct IssuerCaches: Sendable {
    package let sessions: SessionCache
    package let tokens: CardTokenService
    package let verifier: OnlineVerifier

    package init(sessions: SessionCache, tokens: CardTokenService, verifier: OnlineVerifier) {
        self.sessions = sessions
        self.tokens = tokens
        self.verifier = verifier
    }

    /// After a change to cards or accounts.
    package func accountsChanged() {
        sessions.forgetAll()
        tokens.cardsChanged()
        verifier.cardsChanged()
    }

    /// After a change to the signing keys.
    package func keysChanged() {
        tokens.keysChanged()
        verifier.keysChanged()
    }
}
