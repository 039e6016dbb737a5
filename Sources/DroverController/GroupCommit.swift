import Synchronization

/// Writes what many tasks submit in shared batches (group commit): the first caller to find no
/// write in progress writes everything queued, again and again until the queue is empty; the
/// others wait for the batch that carries their item.
///
/// Alone, an item is written at once, as a batch of one. When a whole fleet reconnects, the
/// items that arrive while one batch commits go together in the next, so the store pays one
/// transaction per batch instead of several per host.
final class GroupCommit<Item: Sendable, Output: Sendable>: Sendable {
    private struct State: Sendable {
        var pending: [(item: Item, waiter: CheckedContinuation<Output, Never>)] = []
        var writing = false
    }

    private let write: @Sendable ([Item]) -> [Output]
    private let state = Mutex(State())

    /// A queue writing with `write`, which must return one output per item, in order.
    init(write: @escaping @Sendable ([Item]) -> [Output]) {
        self.write = write
    }

    /// Queues `item` and returns its output once the batch carrying it is written.
    func submit(_ item: Item) async -> Output {
        await withCheckedContinuation { waiter in
            let leads = state.withLock { state in
                state.pending.append((item, waiter))
                guard !state.writing else { return false }
                state.writing = true
                return true
            }
            if leads { drain() }
        }
    }

    private func drain() {
        while true {
            let batch = state.withLock { state in
                let batch = state.pending
                state.pending = []
                if batch.isEmpty { state.writing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            let outputs = write(batch.map(\.item))
            precondition(outputs.count == batch.count, "a group commit must answer every item")
            for (entry, output) in zip(batch, outputs) { entry.waiter.resume(returning: output) }
        }
    }
}
