@testable import DriverKit
import Testing

/// A register: `put(v)` stores v, `get` returns the stored value (nil when none). With
/// `evictable`, the value may vanish at any moment (a cache entry evicted by other keys' traffic).
struct Register: SequentialSpecification {
    enum Input: Equatable { case put(Int), get }
    var evictable = false

    func step(_ state: Int?, _ input: Input, _ output: Int??) -> Int?? {
        switch input {
        case .put(let value): return .some(value)
        case .get:
            guard let output else { return .some(state) }
            if output == state { return .some(state) }
            if evictable && output == nil { return .some(nil) }
            return nil
        }
    }
}

typealias Op = HistoryOperation<Register.Input, Int?>

func op(_ thread: Int, _ input: Register.Input, _ output: Int?, _ invoked: UInt64, _ returned: UInt64?) -> Op {
    Op(thread: thread, input: input, output: returned == nil && input != .get ? nil : .some(output), invoked: invoked, returned: returned)
}

func check(_ history: [Op], evictable: Bool = false, initial: Int? = nil) -> Linearizability.Verdict {
    var steps = 0
    return Linearizability.checkSingle(Register(evictable: evictable), label: "k", initial: initial, history: history,
                                       steps: &steps)
}

@Suite struct LinearizabilityTests {
    @Test func aSequentialHistoryIsLinearizable() {
        #expect(check([op(0, .put(1), nil, 0, 1), op(0, .get, 1, 2, 3), op(1, .put(2), nil, 4, 5), op(1, .get, 2, 6, 7)]) == .linearizable)
    }

    @Test func aStaleReadIsAViolation() {
        let verdict = check([op(0, .put(1), nil, 0, 1), op(1, .put(2), nil, 2, 3), op(0, .get, 1, 4, 5)])
        guard case .violation(let partition, let operations, let longest, let stuck) = verdict else {
            Issue.record("expected a violation, got \(verdict)")
            return
        }
        #expect(partition == "k" && operations == 3 && longest == 2)
        #expect(stuck == [2])
    }

    @Test func overlappingWritesMayBeReadInEitherOrder() {
        #expect(check([op(0, .put(1), nil, 0, 10), op(1, .put(2), nil, 0, 10), op(2, .get, 2, 1, 2), op(2, .get, 1, 3, 4)]) == .linearizable)
        #expect(check([op(0, .put(1), nil, 0, 10), op(1, .put(2), nil, 0, 10), op(2, .get, 1, 1, 2), op(2, .get, 2, 3, 4)]) == .linearizable)
    }

    @Test func readsAfterBothWritesReturnedCannotFlipFlop() {
        // Once both writes have returned, reads see one value, and a later read cannot go back.
        let history = [op(0, .put(1), nil, 0, 10), op(1, .put(2), nil, 0, 10), op(2, .get, 2, 11, 12), op(2, .get, 1, 13, 14)]
        if case .violation = check(history) {} else { Issue.record("expected a violation") }
        // 1, then 2, then 1 again: each write happens once.
        let flip = [op(0, .put(1), nil, 0, 20), op(1, .put(2), nil, 0, 20), op(2, .get, 1, 1, 2), op(2, .get, 2, 3, 4), op(2, .get, 1, 5, 6)]
        if case .violation = check(flip) {} else { Issue.record("expected a violation") }
    }

    @Test func touchingIntervalsCountAsOverlapping() {
        // The read was invoked at the very instant the write returned: either order is allowed.
        #expect(check([op(0, .put(1), nil, 0, 5), op(1, .get, nil, 5, 6)]) == .linearizable)
    }

    @Test func aWriteThatNeverReturnedMayOrMayNotHaveTakenEffect() {
        #expect(check([op(0, .put(1), nil, 0, nil), op(1, .get, nil, 5, 6), op(1, .get, 1, 7, 8)]) == .linearizable)
        #expect(check([op(0, .put(1), nil, 0, nil), op(1, .get, nil, 5, 6)]) == .linearizable)
        // But it cannot be read before it was invoked.
        if case .violation = check([op(1, .get, 1, 0, 1), op(0, .put(1), nil, 2, nil)]) {} else { Issue.record("expected a violation") }
    }

    @Test func anEvictableRegisterMayLoseItsValueButNeverBringsItBack() {
        let evicted = [op(0, .put(1), nil, 0, 1), op(0, .get, nil, 2, 3), op(0, .get, 1, 4, 5)]
        if case .violation = check(evicted, evictable: true) {} else { Issue.record("a value came back after it was evicted") }
        #expect(check([op(0, .put(1), nil, 0, 1), op(0, .get, nil, 2, 3), op(0, .put(2), nil, 4, 5), op(1, .get, 2, 6, 7)],
                      evictable: true) == .linearizable)
        if case .violation = check([op(0, .put(1), nil, 0, 1), op(0, .get, nil, 2, 3)]) {} else {
            Issue.record("a plain register cannot lose its value")
        }
    }

    /// Histories made from a real sequential run by 8 threads (each thread's operations one after
    /// another, as in a storm), each interval stretched around its true instant, one in fifty
    /// stretched very long (a thread preempted inside a call): always linearizable.
    @Test(arguments: 0..<40)
    func stretchedSequentialRunsAreLinearizable(seed: Int) {
        let history = stretchedRun(seed: UInt64(seed), operations: 2_000, threads: 8)
        let started = DriverClock.nanos()
        #expect(check(history) == .linearizable)
        #expect(DriverClock.seconds(since: started) < 2, "the search took \(DriverClock.seconds(since: started)) s")
    }

    /// The same with one read changed to a value never written: a violation.
    @Test(arguments: 0..<10)
    func aReadOfAValueNeverWrittenIsFound(seed: Int) {
        var history = stretchedRun(seed: UInt64(seed), operations: 2_000, threads: 8)
        let reads = history.indices.filter { history[$0].input == .get && history[$0].output != nil }
        history[reads[reads.count / 2]].output = .some(-7)
        if case .violation = check(history) {} else { Issue.record("the changed read was not found") }
    }

    /// A history too hard to search within the bound of steps is undecided, whatever the machine's
    /// speed (the history's own doing); so is one whose steps use up the driver's CPU time.
    @Test func aSearchPastItsBoundIsUndecidedNeverLinearizable() {
        var history: [Op] = []
        for index in 0..<20_000 { history.append(op(index % 8, .put(index), nil, 0, 1_000_000)) }
        history.append(op(0, .get, -1, 2_000_000, 2_000_001))
        var steps = 0
        let verdict = Linearizability.checkSingle(Register(), label: "k", initial: nil, history: history,
                                                  bound: SearchBound(steps: 100_000, cpuNanos: .max), steps: &steps)
        guard case .undecided = verdict else {
            Issue.record("expected undecided, got \(verdict)")
            return
        }
        #expect(steps >= 100_000 && steps < 110_000, "\(steps) steps")
        var again = 0
        let backstop = Linearizability.checkSingle(Register(), label: "k", initial: nil, history: history,
                                                   bound: SearchBound(steps: .max, cpuNanos: 0), steps: &again)
        guard case .undecided = backstop else {
            Issue.record("expected undecided, got \(backstop)")
            return
        }
    }

    /// What the bound of steps rests on: correct histories settle in a few steps per operation
    /// (these, with long operations overlapping many others, in up to 7; a real storm's in about
    /// 1.15), so 10 a operation is the most ``SearchBound/standard`` allows for (10 × 480,000
    /// operations of a storm is half of it). Prints the steps and the time per step of this (debug)
    /// build.
    @Test func correctHistoriesSettleFarBelowTheBound() {
        for seed in 0..<10 {
            let history = stretchedRun(seed: UInt64(seed), operations: 20_000, threads: 8)
            var steps = 0
            let started = SearchBound.threadCPUNanos()
            let verdict = Linearizability.checkSingle(Register(), label: "k", initial: nil, history: history, steps: &steps)
            let nanos = SearchBound.threadCPUNanos() - started
            #expect(verdict == .linearizable)
            #expect(steps <= 10 * history.count, "\(steps) steps for \(history.count) operations")
            if seed == 0 { print("linearizability: 20,000 operations of 8 threads: \(steps) steps, \(nanos / UInt64(max(1, steps))) ns a step") }
        }
    }

    @Test func partitionsAreCheckedEachOnItsOwn() {
        let good = [op(0, .put(1), nil, 0, 1), op(0, .get, 1, 2, 3)]
        let bad = [op(0, .put(1), nil, 0, 1), op(0, .get, 2, 2, 3)]
        #expect(Linearizability.check(Register(), partitions: [("a", nil, good), ("b", nil, good)]) == .linearizable)
        guard case .violation(let partition, _, _, _) = Linearizability.check(Register(), partitions: [("a", nil, good), ("b", nil, bad)]) else {
            Issue.record("expected a violation")
            return
        }
        #expect(partition == "b")
    }
}

/// A register run by `threads` threads: operation i happens at instant 1000 + 100·i on a thread
/// that is free then; its interval reaches up to 5 µs either side (one in fifty up to 2 ms after).
func stretchedRun(seed: UInt64, operations: Int, threads: Int) -> [Op] {
    var generator = SeededGenerator(seed: seed)
    var state: Int? = nil
    var lastReturn = [UInt64](repeating: 0, count: threads)
    var history: [Op] = []
    for index in 0..<operations {
        let instant = UInt64(1_000_000 + index * 100)
        let free = (0..<threads).filter { lastReturn[$0] < instant }
        guard !free.isEmpty else { continue }
        let thread = free[Int(generator.next() % UInt64(free.count))]
        let earliest = max(lastReturn[thread] + 1, instant - 5_000)
        let invoked = earliest + generator.next() % (instant - earliest + 1)
        let stretch = generator.next() % 50 == 0 ? 2_000_000 : 5_000
        let returned = instant + generator.next() % UInt64(stretch)
        lastReturn[thread] = returned
        if generator.next() % 2 == 0 {
            state = index
            history.append(op(thread, .put(index), nil, invoked, returned))
        } else {
            history.append(op(thread, .get, state, invoked, returned))
        }
    }
    return history
}

/// The search's set of linearized operations, against a plain `Set`.
@Suite struct LinearizedSetTests {
    @Test(arguments: 0..<20)
    func aSeededSequenceOfInsertionsMatchesAPlainSet(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed))
        var model = Set<Int>()
        var compact = LinearizedSetProbe()
        var pending = Array(0..<400)
        while !pending.isEmpty {
            // Mostly near the front (as the search linearizes), now and then far ahead (a long call).
            let reach = generator.next() % 10 == 0 ? pending.count : min(pending.count, 12)
            let index = pending.remove(at: Int(generator.next() % UInt64(reach)))
            model.insert(index)
            compact.insert(index)
            #expect(compact.members(upTo: 400) == model, "after inserting \(index)")
        }
    }
}

/// The internal set, with a way to list its members for the comparison.
struct LinearizedSetProbe {
    var set = LinearizedSet()
    mutating func insert(_ index: Int) { set.insert(index) }
    func members(upTo limit: Int) -> Set<Int> {
        var members = Set(0..<set.prefix)
        for bit in 0..<64 where set.mask & (1 << UInt64(bit)) != 0 { members.insert(set.prefix + 1 + bit) }
        for member in set.overflow { members.insert(Int(member)) }
        return members.filter { $0 < limit }
    }
}
