import CardToken

/// The issuer's signing keys and the rotation schedule over them. Every
/// operation is a pure function of the keys, the policy and the time it is
/// given; new key material comes from the caller.
///
/// Invariants after every operation: exactly one key is active, and one
/// standby is published ahead of need, so an emergency can promote a key
/// that every synced verifier already holds.
public struct KeyRing: Sendable, Equatable {
    public private(set) var keys: [ManagedKey]
    public let policy: RotationPolicy

    /// What a new key needs from outside: made by the caller, who keeps
    /// the private part.
    public struct NewKey: Sendable {
        public let id: KeyID
        public let algorithm: CoseAlgorithm
        public let publicKey: [UInt8]?
        public init(id: KeyID, algorithm: CoseAlgorithm, publicKey: [UInt8]?) {
            self.id = id
            self.algorithm = algorithm
            self.publicKey = publicKey
        }
    }

    public init(keys: [ManagedKey], policy: RotationPolicy) {
        self.keys = keys.sorted { ($0.publishedAt, $0.id) < ($1.publishedAt, $1.id) }
        self.policy = policy
    }

    /// The key that signs now.
    public var active: ManagedKey? { keys.last { $0.state == .active } }
    /// The next key, published and waiting.
    public var standby: ManagedKey? { keys.last { $0.state == .published } }
    /// The keys the published key set lists.
    public var publishedKeys: [ManagedKey] { keys.filter { $0.state.publishedStatus != nil } }

    public subscript(id: KeyID) -> ManagedKey? { keys.first { $0.id == id } }

    /// Whether `rotate(ifDue:)` has anything to do at `now`.
    public func isDue(at now: Int64) -> Bool {
        guard let active, standby != nil else { return true }
        return active.plannedHandoff <= now || keys.contains { removalTime(of: $0).map { $0 <= now } ?? false }
    }

    /// When a retiring or revoked key leaves the set.
    public func removalTime(of key: ManagedKey) -> Int64? {
        switch key.state {
        case .retiring: key.retiredAt.map { $0 + policy.retention }
        case .revoked: key.revokedAt.map { $0 + policy.retention }
        default: nil
        }
    }

    /// Brings the ring up to date at `now`: a first key when there is none,
    /// the standby's takeover when the active key's period is over (or at
    /// once when `force`), removal of keys whose tokens have all expired,
    /// and a new standby whenever there is none.
    public mutating func rotate(now: Int64, force: Bool = false, newKey: () -> NewKey) throws(CardKeysError) -> [KeyChange] {
        try policy.validate()
        var changes: [KeyChange] = []
        if active == nil {
            if let standby, standby.notBefore <= now {
                changes += promote(standby.id, now: now)
            } else {
                // The first key: no verifier holds anything yet, so it signs at once.
                changes.append(addActiveKey(newKey(), now: now, detail: "first key, active at once"))
            }
        } else if let active, force || active.plannedHandoff <= now {
            guard let standby else {
                throw CardKeysError(.invalidKeyChange, "there is no standby key to take over; run rotation once to publish one")
            }
            guard standby.notBefore <= now else {
                throw CardKeysError(.invalidKeyChange, "the standby \(standby.id) may sign only from \(standby.notBefore) (epoch seconds), when every verifier will hold it; rotate then, or revoke the active key if it is compromised")
            }
            changes += promote(standby.id, now: now)
        }
        changes += removeExpired(now: now)
        changes += ensureStandby(now: now, newKey: newKey)
        return changes
    }

    /// Revokes a key. An active key is replaced at once by the standby
    /// (its window opened early if it was not yet due), and a new standby
    /// is published.
    public mutating func revoke(_ id: KeyID, reason: String, now: Int64, newKey: () -> NewKey) throws(CardKeysError) -> [KeyChange] {
        guard let index = keys.firstIndex(where: { $0.id == id }) else {
            throw CardKeysError(.invalidKeyChange, "no key has kid \(id); `alumnicard keys list` shows them")
        }
        let previous = keys[index].state
        guard [.published, .active, .retiring].contains(previous) else {
            throw CardKeysError(.invalidKeyChange, "key \(id) is already \(previous.rawValue)")
        }
        keys[index].state = .revoked
        keys[index].revokedAt = now
        keys[index].revocationReason = reason
        var changes = [KeyChange(kind: .revoked, id: id, at: now, detail: "was \(previous.rawValue): \(reason)")]
        if previous == .active {
            if let standby {
                if standby.notBefore > now {
                    let position = keys.firstIndex { $0.id == standby.id }!
                    keys[position].notBefore = now
                    changes.append(KeyChange(kind: .windowOpened, id: standby.id, at: now,
                                             detail: "signing window opened early (was from \(standby.notBefore)); verifiers accept it after their next sync"))
                }
                changes += promote(standby.id, now: now)
            } else {
                changes.append(addActiveKey(newKey(), now: now, detail: "no standby existed; active at once, verifiers accept it after their next sync"))
            }
        }
        changes += ensureStandby(now: now, newKey: newKey)
        return changes
    }

    /// A new key that signs from `now`, for when no published key can take over.
    private mutating func addActiveKey(_ made: NewKey, now: Int64, detail: String) -> KeyChange {
        var key = ManagedKey(id: made.id, algorithm: made.algorithm, publicKey: made.publicKey, state: .active, publishedAt: now,
                             notBefore: now, notAfter: now + policy.rotationPeriod + policy.windowSlack,
                             plannedHandoff: now + policy.rotationPeriod)
        key.activatedAt = now
        keys.append(key)
        return KeyChange(kind: .created, id: key.id, at: now, detail: detail)
    }

    private mutating func promote(_ id: KeyID, now: Int64) -> [KeyChange] {
        var changes: [KeyChange] = []
        if let old = keys.firstIndex(where: { $0.state == .active }) {
            keys[old].state = .retiring
            keys[old].retiredAt = now
            // It signs no more: close its window, so a stolen copy is useless
            // for new tokens once verifiers sync.
            keys[old].notAfter = min(keys[old].notAfter, now)
            changes.append(KeyChange(kind: .retired, id: keys[old].id, at: now, detail: "stops signing; leaves the set at \(now + policy.retention)"))
        }
        let index = keys.firstIndex { $0.id == id }!
        keys[index].state = .active
        keys[index].activatedAt = now
        keys[index].plannedHandoff = now + policy.rotationPeriod
        keys[index].notAfter = max(keys[index].notAfter, now + policy.rotationPeriod + policy.windowSlack)
        changes.append(KeyChange(kind: .activated, id: id, at: now, detail: "signs until \(now + policy.rotationPeriod)"))
        return changes
    }

    private mutating func removeExpired(now: Int64) -> [KeyChange] {
        var changes: [KeyChange] = []
        for index in keys.indices {
            guard let removal = removalTime(of: keys[index]), removal <= now else { continue }
            let was = keys[index].state
            keys[index].state = .removed
            keys[index].removedAt = now
            changes.append(KeyChange(kind: .removed, id: keys[index].id, at: now, detail: "was \(was.rawValue); every token it signed has expired"))
        }
        return changes
    }

    private mutating func ensureStandby(now: Int64, newKey: () -> NewKey) -> [KeyChange] {
        guard standby == nil, let active else { return [] }
        let made = newKey()
        let ready = now + policy.publicationLead
        let handoff = max(active.plannedHandoff, ready)
        let key = ManagedKey(id: made.id, algorithm: made.algorithm, publicKey: made.publicKey, state: .published, publishedAt: now,
                             notBefore: ready, notAfter: handoff + policy.rotationPeriod + policy.windowSlack, plannedHandoff: handoff)
        keys.append(key)
        return [KeyChange(kind: .created, id: key.id, at: now, detail: "standby, may sign from \(ready), due to take over at \(handoff)")]
    }
}
