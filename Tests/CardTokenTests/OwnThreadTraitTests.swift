import Foundation
import TestSupport
import Testing

/// The test harness itself: a test marked `.onItsOwnThread` runs off the
/// cooperative pool, so CPU-bound suites cannot starve in-process servers.
@Suite struct OwnThreadTraitTests {
    @Test(.onItsOwnThread) func aMarkedTestRunsOnItsOwnThread() async throws {
        #expect(DedicatedThreadExecutor.isCurrentThreadDedicated)
        try await Task.sleep(for: .milliseconds(1))
        #expect(DedicatedThreadExecutor.isCurrentThreadDedicated, "an await resumes on the same thread")
    }

    @Test func anUnmarkedTestDoesNot() {
        #expect(!DedicatedThreadExecutor.isCurrentThreadDedicated)
    }
}
