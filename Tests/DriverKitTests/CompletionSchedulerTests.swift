import DriverKit
import Synchronization
import Testing

@Suite struct CompletionSchedulerTests {
    /// Runs `calls` concurrent callers, arriving in an order the machine decides, through a
    /// scheduler; returns the order in which their effects happened.
    func completionOrder(seed: UInt64, calls: Int) async -> [String] {
        let scheduler = CompletionScheduler(seed: seed, expected: calls)
        let effects = EffectLog()
        await withTaskGroup(of: Void.self) { group in
            for caller in 0..<calls {
                group.addTask {
                    try? await Task.sleep(for: .microseconds(Int.random(in: 0..<2_000)))
                    await scheduler.turn(key: "caller \(caller)")
                    effects.entries.withLock { $0.append("caller \(caller)") }
                    await scheduler.done()
                }
            }
        }
        #expect(await scheduler.completionOrder == effects.entries.withLock { $0 })
        return effects.entries.withLock { $0 }
    }

    @Test func theSeedAloneDecidesTheOrderWhateverTheArrivalOrder() async {
        let first = await completionOrder(seed: 7, calls: 12)
        for _ in 0..<5 { #expect(await completionOrder(seed: 7, calls: 12) == first) }
        #expect(Set(first).count == 12)
        var orders: Set<[String]> = []
        for seed in 0..<8 { orders.insert(await completionOrder(seed: UInt64(seed), calls: 12)) }
        #expect(orders.count > 1, "eight seeds gave one order")
    }

    /// Callers that trickle in, slower than the settle window, still all wait for one another when a
    /// count is expected (the window is for schedulers without one).
    @Test func anExpectedCountWaitsForEveryCallWhateverTheGaps() async {
        let first = await trickled(seed: 3)
        #expect(await trickled(seed: 3) == first)
    }

    func trickled(seed: UInt64) async -> [String] {
        let scheduler = CompletionScheduler(seed: seed, expected: 6, settle: .milliseconds(1))
        await withTaskGroup(of: Void.self) { group in
            for caller in 0..<6 {
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(caller * 15))
                    await scheduler.turn(key: "caller \(caller)")
                    await scheduler.done()
                }
            }
        }
        return await scheduler.completionOrder
    }

    @Test func withoutAnExpectedCountACallIsReleasedOnceTheSubjectGoesQuiet() async {
        let scheduler = CompletionScheduler(seed: 1, settle: .milliseconds(2))
        await scheduler.turn(key: "alone")
        await scheduler.done()
        #expect(await scheduler.completionOrder == ["alone"])
    }
}

final class EffectLog: Sendable {
    let entries = Mutex<[String]>([])
}
