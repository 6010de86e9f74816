import SubjectRuntime
import Wire
import Synchronization
import Testing

@Suite struct StormTests {
    @Test func everyThreadRunsItsOperationsAndRecordsWhen() {
        let total = Atomic<Int>(0)
        let now = Clock.nanos()
        let outcome = Storm.run(operations: [100, 50, 0, 10], stopStartingAt: now + 10_000_000_000,
                                waitUntil: now + 10_000_000_000) { thread, index in
            total.add(1, ordering: .relaxed)
            return Int64(thread * 1000 + index)
        }
        #expect(outcome.pending.allSatisfy { $0 == nil })
        #expect(outcome.threads.map(\.count) == [100, 50, 0, 10])
        #expect(total.load(ordering: .relaxed) == 160)
        for (thread, records) in outcome.threads.enumerated() {
            #expect(records.enumerated().allSatisfy { $0.element.result == Int64(thread * 1000 + $0.offset) })
            #expect(zip(records, records.dropFirst()).allSatisfy { $0.returned <= $1.invoked })
            #expect(records.allSatisfy { $0.invoked <= $0.returned })
        }
    }

    @Test func aHungThreadLeavesItsCompletedOperationsAndItsPendingOne() {
        let release = Atomic<Bool>(false)
        let now = Clock.nanos()
        let outcome = Storm.run(operations: [5, 5], stopStartingAt: now + 10_000_000_000, waitUntil: now + 300_000_000) { thread, index in
            if thread == 1 && index == 2 { while !release.load(ordering: .acquiring) { usleepAWhile() } }
            return Int64(index)
        }
        release.store(true, ordering: .releasing)
        #expect(outcome.pending.contains { $0 != nil })
        #expect(outcome.threads[0].count == 5 && outcome.pending[0] == nil)
        #expect(outcome.threads[1].count == 2)
        #expect(outcome.pending[1] != nil && outcome.pending[1]! >= outcome.threads[1][1].returned)
    }

    @Test func noOperationStartsAfterTheStopTime() {
        let now = Clock.nanos()
        let outcome = Storm.run(operations: [1_000_000, 1_000_000], stopStartingAt: now + 50_000_000,
                                waitUntil: now + 5_000_000_000) { _, _ in
            usleepAWhile()
            return 0
        }
        #expect(outcome.pending.allSatisfy { $0 == nil })
        #expect(outcome.threads.allSatisfy { $0.count < 1_000_000 })
    }
}

func usleepAWhile() {
    var spin = 0
    for value in 0..<10_000 { spin &+= value }
    withExtendedLifetime(spin) {}
}
