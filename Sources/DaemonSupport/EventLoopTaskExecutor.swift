import NIOCore

/// A task executor that runs jobs on one NIO event loop, so a task that
/// prefers it does its work on the thread that reads and writes its
/// socket instead of waking a thread of Swift's global pool and back for
/// every request. Only for tasks that never block: a blocking call here
/// stalls every connection the loop serves.
final class EventLoopTaskExecutor: TaskExecutor {
    private let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
