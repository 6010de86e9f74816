import HarnessKit
import Testing

@Suite struct HarnessKitTests {
    @Test func requireEqualSaysWhatWasExpectedAndWhatHappened() {
        #expect { try requireEqual(Optional("two"), nil, "get(2)") } throws: { error in
            (error as? CheckFailure)?.message == "get(2): expected nil, got two"
        }
        #expect(throws: Never.self) { try requireEqual(3, 3, "count") }
        #expect(throws: CheckFailure.self) { try require(false, "nope") }
    }

    @Test func seededGeneratorsReplay() {
        var first = SeededGenerator(seed: 42)
        var second = SeededGenerator(seed: 42)
        var other = SeededGenerator(seed: 43)
        let a = (0..<5).map { _ in first.next() }
        #expect(a == (0..<5).map { _ in second.next() })
        #expect(a != (0..<5).map { _ in other.next() })
    }

    @Test func lifetimeTrackerCountsReleases() {
        let tracker = LifetimeTracker()
        var values: [Tracked] = (0..<10).map { tracker.make($0) }
        #expect(tracker.liveCount == 10)
        values.removeFirst(4)
        #expect(tracker.liveCount == 6)
        values.removeAll()
        #expect(tracker.liveCount == 0)
        #expect(tracker.createdCount == 10)
    }

    @Test func threadStormRunsEveryThreadAtOnce() {
        let box = UncheckedSendableBox(Counter())
        let outcome = ThreadStorm.run(threads: 8, timeoutSeconds: 10) { _ in box.value.increment() }
        #expect(outcome == .finished)
        #expect(box.value.value == 8)
    }

    @Test func threadStormTellsABlockedHangFromABusyOne() {
        // The abandoned threads stop once the outcome is known, so they do not load later tests.
        let stop = Stop()
        let blocked = ThreadStorm.run(threads: 2, timeoutSeconds: 0.2) { _ in
            while !stop.isSet { usleep(20_000) }
        }
        let busy = ThreadStorm.run(threads: 1, timeoutSeconds: 0.2) { _ in
            while !stop.isSet {}
        }
        stop.set()
        #expect(blocked == .hung(finishedThreads: 0, busy: false))
        #expect(busy == .hung(finishedThreads: 0, busy: true))
    }

    @Test func processStatsAreMeasured() {
        #expect(ProcessStats.residentBytes() > 0)
        #expect(ProcessStats.maxResidentBytes() > 0)
        #expect(ProcessStats.cpuMicros() > 0)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Synchronization

final class Stop: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .releasing) }
    var isSet: Bool { flag.load(ordering: .acquiring) }
}

final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    func increment() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}
