import CardKeys
import CardToken
import Foundation
import SecureFiles

/// The last good key set on disk, so a restart without network still
/// verifies. Written atomically (temporary file, fsync, rename); read back
/// only if its signature still verifies under a pinned root.
public enum KeySetCache {
    static let maximumBytes = 1 << 20

    /// The cached set at `path`, or nil when there is none yet.
    public static func load(path: String, pinnedRoots: [RootPublicKey]) throws(VerifierError) -> HeldKeySet? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let recovery = "delete \(path) and run `alumnicard-verifier sync` while the issuer can be reached"
        let data: Data
        do { data = try SecureFile.read(path, limit: maximumBytes) } catch {
            throw VerifierError(.corruptCache, "cannot read the cached key set \(path): \(error.message); \(recovery)")
        }
        let jws = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        // The signature and form are checked; freshness is judged later, by
        // `exp` + offline grace, so an old set still loads.
        let verdict = KeySetVerifier(pinnedRoots: pinnedRoots).verify(jws, heldSeq: nil, now: Int64.min + 1)
        guard verdict.isOK else {
            throw VerifierError(.corruptCache, "the cached key set \(path) was refused (\(verdict.reason.rawValue): \(verdict.detail)); it is damaged or was tampered with. To recover, \(recovery)")
        }
        do {
            return try HeldKeySet(jws: jws, verdict: verdict)
        } catch {
            throw VerifierError(.corruptCache, "the cached key set \(path) lists unusable keys (\(error)); \(recovery)")
        }
    }

    /// Replaces the cached set with `held`.
    public static func save(_ held: HeldKeySet, path: String) throws(VerifierError) {
        do { try SecureFile.write(Data((held.jws + "\n").utf8), to: path, mode: 0o600, replacing: true) } catch {
            throw VerifierError(.storage, "cannot write the key set cache \(path): \(error.message)")
        }
    }
}
