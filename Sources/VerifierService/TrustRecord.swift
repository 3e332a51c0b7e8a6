import CardKeys
import CardToken
import Foundation
import SecureFiles

/// What this verifier has learned and must never forget (keyset.md §3),
/// kept apart from the cached key set so that deleting a damaged cache
/// loses nothing of it: roots introduced and retired by rotations, the
/// rollback floor, and the latest proven time.
public struct TrustRecord: Sendable, Equatable, Codable {
    /// Roots introduced by endorsed rotations, beyond the configured ones.
    public var learnedRoots: [JSONWebKey] = []
    /// Kids of roots a followed rotation retired: never trusted again, even
    /// when the configuration still pins them.
    public var retiredRoots: [String] = []
    /// The highest `seq` accepted, and the document accepted with it.
    public var floor: KeySetFloor?
    /// `T`: the latest time proven to have passed (epoch seconds).
    public var provenTime: Int64 = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case floor
        case learnedRoots = "learned_roots"
        case retiredRoots = "retired_roots"
        case provenTime = "proven_time"
    }

    /// The roots to trust: the configured and learned ones, less the retired.
    public func trustedRoots(configured: [RootPublicKey]) -> [RootPublicKey] {
        var roots = configured
        for jwk in learnedRoots {
            if let root = try? RootPublicKey(jwk: jwk), !roots.contains(root) { roots.append(root) }
        }
        return roots.filter { !retiredRoots.contains($0.id.base64URL) }
    }

    /// After a followed rotation: trust `new` instead of `retired`.
    public mutating func follow(rotationTo new: RootPublicKey, from retired: RootPublicKey) {
        if !learnedRoots.contains(new.jwk) { learnedRoots.append(new.jwk) }
        if !retiredRoots.contains(retired.id.base64URL) { retiredRoots.append(retired.id.base64URL) }
        retiredRoots.removeAll { $0 == new.id.base64URL }
    }

    /// After accepting `held`: its rotation followed, the floor raised
    /// (never lowered), its `iat` proven.
    public mutating func accept(_ held: HeldKeySet) {
        if let retired = held.retiredRoot { follow(rotationTo: held.signer, from: retired) }
        let seq = held.document.seq
        if floor.map({ seq > $0.seq }) ?? true { floor = KeySetFloor(accepting: held.jws, seq: seq) }
        provenTime = max(provenTime, held.document.iat)
    }
}

/// The trust record on disk: 0600, written atomically; a damaged file stops
/// start-up, because silently starting afresh would lower the floor.
enum TrustRecordFile {
    static let maximumBytes = 1 << 16

    static func load(path: String) throws(VerifierError) -> TrustRecord {
        guard FileManager.default.fileExists(atPath: path) else { return TrustRecord() }
        do {
            return try JSONDecoder().decode(TrustRecord.self, from: SecureFile.read(path, limit: maximumBytes))
        } catch {
            throw VerifierError(.corruptCache, "the trust record \(path) cannot be read (\(error)); it holds the rollback floor and the roots retired by rotations. Restore it from backup; deleting it makes this verifier accept older key sets and retired roots again")
        }
    }

    static func save(_ record: TrustRecord, path: String) throws(VerifierError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { try SecureFile.write(try encoder.encode(record), to: path, mode: 0o600, replacing: true) } catch let error as SecureFileError {
            throw VerifierError(.storage, "cannot write the trust record \(path): \(error.message)")
        } catch {
            throw VerifierError(.storage, "cannot encode the trust record: \(error)")
        }
    }
}
