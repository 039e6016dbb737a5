import Dispatch

/// Runs async code to completion from the synchronous fuzz callback (libFuzzer calls each
/// input on its own thread and expects the answer before it returns).
enum Blocking {
    final class Box<Value>: @unchecked Sendable {
        var value: Value?
    }

    static func run<Value: Sendable>(_ body: @escaping @Sendable () async -> Value) -> Value {
        let box = Box<Value>()
        let done = DispatchSemaphore(value: 0)
        Task {
            box.value = await body()
            done.signal()
        }
        done.wait()
        guard let value = box.value else { fatalError("the task ended without a value") }
        return value
    }
}
