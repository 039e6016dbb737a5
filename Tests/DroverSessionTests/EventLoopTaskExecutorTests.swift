import DroverSession
import NIOCore
import NIOPosix
import Testing

@Suite("Event loop task executor")
struct EventLoopTaskExecutorTests {
    @Test("a task preferring a loop's executor runs on that loop, before and after suspending")
    func runsOnTheLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loop = group.next()
        let other = group.next()
        #expect(loop !== other)

        let observed = await withTaskGroup(of: [Bool].self) { tasks in
            tasks.addTask(executorPreference: EventLoopTaskExecutor(loop)) {
                var seen = [loop.inEventLoop]
                // A hop to the other loop and back: the task resumes on its own loop.
                let value = try? await other.submit { 42 }.get()
                seen.append(loop.inEventLoop && value == 42)
                await Task.yield()
                seen.append(loop.inEventLoop)
                return seen
            }
            return await tasks.next() ?? []
        }
        #expect(observed == [true, true, true])
        try await group.shutdownGracefully()
    }

    @Test("without the preference the same task does not run on the loop")
    func controlRunsElsewhere() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let onLoop = await withTaskGroup(of: Bool.self) { tasks in
            tasks.addTask { loop.inEventLoop }
            return await tasks.next() ?? true
        }
        #expect(!onLoop)
        try await group.shutdownGracefully()
    }
}
