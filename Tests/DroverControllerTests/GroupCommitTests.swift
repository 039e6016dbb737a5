import Synchronization
import Testing

@testable import DroverController

/// ``GroupCommit``: every submitter gets the output of its own item, each item is written
/// exactly once, batches keep submission order, and one submitter alone is written at once.
@Suite struct GroupCommitTests {
    final class Log: Sendable {
        let batches = Mutex<[[Int]]>([])
    }

    @Test func aLoneItemIsWrittenAtOnceAsABatchOfOne() async {
        let log = Log()
        let commit = GroupCommit<Int, String> { items in
            log.batches.withLock { $0.append(items) }
            return items.map { "#\($0)" }
        }
        #expect(await commit.submit(7) == "#7")
        #expect(await commit.submit(8) == "#8")
        #expect(log.batches.withLock { $0 } == [[7], [8]])
    }

    @Test func concurrentItemsEachGetTheirOwnOutputAndAreWrittenOnce() async {
        let log = Log()
        let commit = GroupCommit<Int, Int> { items in
            log.batches.withLock { $0.append(items) }
            return items.map { $0 * 3 }
        }
        let outputs = await withTaskGroup(of: (Int, Int).self) { group in
            for item in 0..<500 {
                group.addTask { (item, await commit.submit(item)) }
            }
            var outputs: [Int: Int] = [:]
            for await (item, output) in group { outputs[item] = output }
            return outputs
        }
        #expect(outputs.count == 500)
        #expect(outputs.allSatisfy { $0.value == $0.key * 3 })
        let written = log.batches.withLock { $0 }.flatMap { $0 }
        #expect(written.sorted() == Array(0..<500))
        #expect(!log.batches.withLock { $0 }.contains { $0.isEmpty })
    }
}
