import Foundation
import SecureFiles

/// The sync record on disk (best effort: it informs, it decides nothing).
enum SyncStatusFile {
    static func save(_ status: VerifierState.SyncStatus, path: String) {
        guard let data = try? JSONEncoder().encode(status) else { return }
        try? SecureFile.write(data, to: path, mode: 0o600, replacing: true)
    }

    static func load(path: String) -> VerifierState.SyncStatus {
        guard let data = try? SecureFile.read(path, limit: 1 << 16),
              let status = try? JSONDecoder().decode(VerifierState.SyncStatus.self, from: data) else { return .init() }
        return status
    }
}
