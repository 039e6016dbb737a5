import NIOCore

/// Runs a task's jobs on one NIO event loop: a connection's session task, given its channel's
/// loop as executor preference, shares that thread with the channel.
///
/// Without it every frame crosses threads twice: the event loop wakes a thread of the
/// cooperative pool to hand the frame to the session task, and the task's answer hops back to
/// the event loop to be written. With 10,000 agents that is tens of thousands of thread
/// wake-ups a second. On the loop's own thread both hops become plain queue appends.
///
/// Code run this way must not block for long: it holds up every connection on the loop.
public final class EventLoopTaskExecutor: TaskExecutor {
    /// The loop the jobs run on.
    public let eventLoop: any EventLoop

    /// An executor running jobs on `eventLoop`.
    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
