import DriverKit
import Synchronization
import Testing

@Suite struct CompletionSchedulerTests {
    /// Runs `calls` concurrent callers through a scheduler and returns the order in which their
    /// effects happened (by caller).
    func completionOrder(seed: UInt64, calls: Int) async -> [Int] {
        let scheduler = CompletionScheduler(seed: seed, expected: calls)
        let effects = EffectLog()
        await withTaskGroup(of: Void.self) { group in
            for caller in 0..<calls {
                group.addTask {
                    // Arrive in an order the machine decides.
                    try? await Task.sleep(for: .microseconds(Int.random(in: 0..<500)))
                    await scheduler.turn()
                    effects.entries.withLock { $0.append(caller) }
                    await scheduler.done()
                }
            }
        }
        let arrival = await scheduler.completionOrder
        #expect(arrival.count == calls)
        return effects.entries.withLock { $0 }
    }

    @Test func theSeedDecidesTheOrderInWhichConcurrentCallsComplete() async {
        // Arrival order varies; the completion order by arrival ticket depends only on the seed.
        let first = CompletionScheduler(seed: 7, expected: 3)
        let second = CompletionScheduler(seed: 7, expected: 3)
        for scheduler in [first, second] {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<3 { group.addTask { await scheduler.turn(); await scheduler.done() } }
            }
        }
        #expect(await first.completionOrder == second.completionOrder)
        let orders = await withTaskGroup(of: [Int].self) { group in
            for seed in 0..<8 { group.addTask { await self.completionOrder(seed: UInt64(seed), calls: 6) } }
            var all: [[Int]] = []
            for await order in group { all.append(order) }
            return all
        }
        #expect(orders.allSatisfy { Set($0) == Set(0..<6) })
        #expect(Set(orders).count > 1, "eight seeds gave one order")
    }
}

final class EffectLog: Sendable {
    let entries = Mutex<[Int]>([])
}
