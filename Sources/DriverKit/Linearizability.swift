#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
/// Linearizability of a concurrent history against a sequential specification: the Wing–Gong
/// search with Lowe's memoisation, as in Porcupine (github.com/anishathalye/porcupine,
/// `checker.go`, `checkSingle`), with the history partitioned by the caller (Porcupine's
/// `PartitionEvent`) and a bound on its work (``SearchBound``).
///
/// A history is linearizable when its operations can be put in one order that respects real time
/// (an operation that returned before another was invoked comes first) and in which the
/// specification, applied in that order, gives every answer that was observed. The search walks
/// the history's calls and returns in time order, tries to linearize the earliest pending calls
/// first, and backtracks; it remembers every (set of linearized operations, state) pair it has
/// seen, so no configuration is explored twice. Calls and returns at the same instant are ordered
/// calls first, so touching intervals count as overlapping (the permissive reading: never a false
/// violation). An operation that never returned (its thread hung) may take effect at any point
/// after its invocation; its answer is unknown.
public enum Linearizability {
    public enum Verdict: Sendable, Equatable {
        case linearizable
        /// No order works. `partition` names the part of the history (a key); `longest` is the
        /// most operations of it the search could linearize; `stuck` indexes (into the partition's
        /// operations) the calls that were pending where it got furthest, which no order could place.
        case violation(partition: String, operations: Int, longest: Int, stuck: [Int])
        /// The search used up its steps, its memory or its CPU time (``SearchBound``): bounds on the
        /// work, which the history's size and shape decide, so it is the history's (the subject's
        /// answers), never passed.
        case undecided(String)
    }

    /// Stops a search whose memo would outgrow this many bytes (its entries at twice their size,
    /// for the hash table's free slots and its growth), well inside the driver's memory limit.
    public static let maximumMemoBytes = 512 << 20

    /// Checks each partition in turn, all within one `bound`; the first violation or undecided
    /// partition ends the check. `steps` adds the steps taken (for the evidence).
    @inlinable
    public static func check<Specification: SequentialSpecification>(
        _ specification: Specification,
        partitions: [(label: String, initial: Specification.State, history: [HistoryOperation<Specification.Input, Specification.Output>])],
        bound: SearchBound = .standard, steps: inout Int
    ) -> Verdict {
        let started = SearchBound.threadCPUNanos()
        for partition in partitions {
            let verdict = checkSingle(specification, label: partition.label, initial: partition.initial,
                                      history: partition.history, bound: bound, cpuStarted: started, steps: &steps)
            if verdict != .linearizable { return verdict }
        }
        return .linearizable
    }

    /// ``check(_:partitions:bound:steps:)`` without the count of steps.
    @inlinable
    public static func check<Specification: SequentialSpecification>(
        _ specification: Specification,
        partitions: [(label: String, initial: Specification.State, history: [HistoryOperation<Specification.Input, Specification.Output>])],
        bound: SearchBound = .standard
    ) -> Verdict {
        var steps = 0
        return check(specification, partitions: partitions, bound: bound, steps: &steps)
    }

    /// One partition, searched on its own. `steps` counts on from what it holds, and the bound
    /// applies to the total; `cpuStarted` is this thread's CPU time when the search began.
    @inlinable
    public static func checkSingle<Specification: SequentialSpecification>(
        _ specification: Specification, label: String, initial: Specification.State,
        history unsorted: [HistoryOperation<Specification.Input, Specification.Output>],
        bound: SearchBound = .standard, cpuStarted: UInt64 = SearchBound.threadCPUNanos(), steps: inout Int
    ) -> Verdict {
        if unsorted.isEmpty { return .linearizable }
        // Operations numbered in invocation order, so the set of linearized ones is a prefix plus
        // the few beyond it that overlap its first gap (see ``LinearizedSet``).
        let order = unsorted.indices.sorted { (unsorted[$0].invoked, $0) < (unsorted[$1].invoked, $1) }
        let history = order.map { unsorted[$0] }
        let count = history.count
        var list = EntryList(history)
        var linearized = LinearizedSet()
        var seen = Set<Configuration<Specification.State>>(minimumCapacity: count * 2)
        var memoBytes = 0
        let entryBytes = 2 * MemoryLayout<Configuration<Specification.State>>.stride
        var calls: [(entry: Int, state: Specification.State, linearized: LinearizedSet)] = []
        var state = initial
        var entry = list.first
        var longest = 0
        var stuckAtLongest: [Int] = []
        while list.first != EntryList.end {
            steps += 1
            if steps & 4095 == 0 {
                if steps >= bound.steps {
                    return .undecided("the linearizability search gave up at \(label) (\(count) operations) after "
                        + "\(bound.steps) steps, its bound: no history a correct solution gives takes a fraction of that")
                }
                if SearchBound.threadCPUNanos() &- cpuStarted >= bound.cpuNanos {
                    // Steps that take this long are the history's shape too (the sets it makes the
                    // search remember): a correct history settles in a fraction of the time.
                    return .undecided("the linearizability search gave up at \(label) (\(count) operations) after "
                        + "\(bound.cpuNanos / 1_000_000_000) s of the driver's CPU time (\(steps) steps), its bound")
                }
            }
            let current = list.entries[entry]
            if current.isCall {
                let operation = history[current.operation]
                if let next = specification.step(state, operation.input, operation.output) {
                    var candidate = linearized
                    candidate.insert(current.operation)
                    if seen.insert(Configuration(linearized: candidate, state: next)).inserted {
                        memoBytes += entryBytes + 4 * candidate.overflow.count
                        if memoBytes > maximumMemoBytes {
                            return .undecided("the linearizability search of \(label) (\(count) operations) outgrew its "
                                + "memory bound (\(maximumMemoBytes >> 20) MiB of remembered states)")
                        }
                        calls.append((entry, state, linearized))
                        state = next
                        linearized = candidate
                        list.lift(entry)
                        entry = list.first
                        continue
                    }
                }
                entry = current.next
            } else {
                if calls.count >= longest {
                    longest = calls.count
                    stuckAtLongest = list.pendingCalls(upTo: entry).map { order[$0] }
                }
                guard let top = calls.popLast() else {
                    return .violation(partition: label, operations: count, longest: longest, stuck: stuckAtLongest)
                }
                entry = top.entry
                state = top.state
                linearized = top.linearized
                list.unlift(entry)
                entry = list.entries[entry].next
            }
        }
        return .linearizable
    }
}

/// How much work a linearizability search may do. Its steps (calls tried, returns backtracked
/// over) and its memo's memory are the bound, both decided by the history alone, so a history the
/// search cannot settle within them is the history's own doing, the same on any machine. The
/// driver thread's CPU time bounds steps made slow by the history's shape (large sets to remember);
/// it is thread CPU time, which a subject keeping the machine's cores busy does not use up, and a
/// correct history needs a fraction of it.
public struct SearchBound: Sendable {
    public var steps: Int
    public var cpuNanos: UInt64

    public init(steps: Int, cpuNanos: UInt64) {
        self.steps = steps
        self.cpuNanos = cpuNanos
    }

    /// 10 million steps: a correct cache's storm history takes about 1.15 steps per operation
    /// (the `lru-cache` reference: 517,019 steps for 450,216 operations, 2026-12; artificial
    /// histories with long overlapping operations, in `LinearizabilityTests`, up to 7), and a storm
    /// sends at most 480,000 operations, so the bound is 3 to 18 times the most a correct history
    /// needs; at about 0.45 µs a step (the optimised driver) it is 4.5 s of CPU. 5 s of the driver
    /// thread's CPU time bounds steps the history makes slow (a correct storm's search takes a
    /// quarter of a second): either way the search ends inside the driver's 15 s to judge, even
    /// with the machine shared half and half.
    public static let standard = SearchBound(steps: 10_000_000, cpuNanos: 5_000_000_000)

    /// This thread's CPU time, nanoseconds.
    @inlinable
    public static func threadCPUNanos() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

/// A sequential specification: the state after an operation, or nil when the specification
/// could not have given the observed output.
public protocol SequentialSpecification {
    associatedtype State: Hashable
    associatedtype Input
    associatedtype Output
    /// `output` is nil for an operation that never returned (any output is then acceptable).
    func step(_ state: State, _ input: Input, _ output: Output?) -> State?
}

/// One operation of a concurrent history: who did what, what it answered, and when.
public struct HistoryOperation<Input, Output> {
    public var thread: Int
    public var input: Input
    /// Nil when the operation never returned.
    public var output: Output?
    public var invoked: UInt64
    /// Nil when the operation never returned: it may have taken effect at any time after `invoked`.
    public var returned: UInt64?

    public init(thread: Int, input: Input, output: Output?, invoked: UInt64, returned: UInt64?) {
        self.thread = thread
        self.input = input
        self.output = output
        self.invoked = invoked
        self.returned = returned
    }
}

extension HistoryOperation: Sendable where Input: Sendable, Output: Sendable {}

/// The calls and returns of a history in time order, as a doubly linked list whose call/return
/// pairs can be lifted out and put back in reverse order (the search's backtracking).
@usableFromInline
struct EntryList {
    @usableFromInline
    struct Entry {
        @usableFromInline var isCall: Bool
        @usableFromInline var operation: Int
        /// The matching return of a call (unused for returns).
        @usableFromInline var match: Int
        @usableFromInline var previous: Int
        @usableFromInline var next: Int

        @usableFromInline
        init(isCall: Bool, operation: Int, match: Int, previous: Int, next: Int) {
            self.isCall = isCall
            self.operation = operation
            self.match = match
            self.previous = previous
            self.next = next
        }
    }

    @usableFromInline static let end = -1
    /// Index of the sentinel head; `first` is its successor.
    @usableFromInline let head: Int
    @usableFromInline var entries: [Entry]

    @inlinable var first: Int { entries[head].next }

    @inlinable
    init<Input, Output>(_ history: [HistoryOperation<Input, Output>]) {
        // (time, kind order: calls before returns at the same time, operation)
        var events: [(time: UInt64, isReturn: Bool, operation: Int)] = []
        events.reserveCapacity(history.count * 2)
        for (index, operation) in history.enumerated() {
            events.append((operation.invoked, false, index))
            events.append((operation.returned ?? .max, true, index))
        }
        events.sort { ($0.time, $0.isReturn ? 1 : 0, $0.operation) < ($1.time, $1.isReturn ? 1 : 0, $1.operation) }
        entries = []
        entries.reserveCapacity(events.count + 1)
        var callEntry = [Int](repeating: 0, count: history.count)
        for (position, event) in events.enumerated() {
            entries.append(Entry(isCall: !event.isReturn, operation: event.operation, match: -1,
                                 previous: position - 1, next: position + 1 < events.count ? position + 1 : Self.end))
            if event.isReturn {
                entries[callEntry[event.operation]].match = position
            } else {
                callEntry[event.operation] = position
            }
        }
        head = entries.count
        entries.append(Entry(isCall: false, operation: -1, match: -1, previous: Self.end, next: events.isEmpty ? Self.end : 0))
        if !events.isEmpty { entries[0].previous = head }
    }

    /// Removes a call and its return from the list.
    @inlinable
    mutating func lift(_ call: Int) {
        remove(call)
        remove(entries[call].match)
    }

    /// Puts back the call and return lifted last.
    @inlinable
    mutating func unlift(_ call: Int) {
        restore(entries[call].match)
        restore(call)
    }

    @inlinable
    mutating func remove(_ index: Int) {
        let entry = entries[index]
        entries[entry.previous].next = entry.next
        if entry.next != Self.end { entries[entry.next].previous = entry.previous }
    }

    @inlinable
    mutating func restore(_ index: Int) {
        let entry = entries[index]
        entries[entry.previous].next = index
        if entry.next != Self.end { entries[entry.next].previous = index }
    }

    /// The operations of the calls before `entry` still in the list (the candidates that could not
    /// be linearized there).
    @inlinable
    func pendingCalls(upTo stop: Int) -> [Int] {
        var result: [Int] = []
        var index = first
        while index != Self.end && index != stop {
            if entries[index].isCall { result.append(entries[index].operation) }
            index = entries[index].next
        }
        return result
    }
}

/// A set of operation indices, numbered in invocation order: a prefix (every operation below it;
/// operation `prefix` itself is not in the set), a 64-bit mask for the next 64, and the rare
/// members beyond those, sorted.
///
/// The search can only linearize an operation once every operation that returned before it was
/// called is linearized, so the members beyond the first non-member are those that overlap it: as
/// many as the threads, give or take the odd long-running call. Porcupine keeps a bitset of the
/// whole history per memoised configuration; this keeps the same set in three words, without an
/// allocation in all but the rarest case.
@usableFromInline
struct LinearizedSet: Hashable {
    @usableFromInline var prefix = 0
    /// Bit `i` set: operation `prefix + 1 + i` is a member.
    @usableFromInline var mask: UInt64 = 0
    /// Members at `prefix + 65` and beyond, ascending.
    @usableFromInline var overflow: [Int32] = []

    @inlinable init() {}

    @inlinable
    mutating func insert(_ index: Int) {
        guard index == prefix else {
            let offset = index - prefix - 1
            if offset < 64 {
                mask |= 1 << UInt64(offset)
            } else {
                let value = Int32(index)
                var low = 0, high = overflow.count
                while low < high {
                    let middle = (low + high) / 2
                    if overflow[middle] < value { low = middle + 1 } else { high = middle }
                }
                overflow.insert(value, at: low)
            }
            return
        }
        // `prefix` is in: move past it and every member right after it.
        while true {
            prefix += 1
            let nextIsMember = mask & 1 != 0
            mask >>= 1
            if let first = overflow.first, Int(first) == prefix + 64 {
                mask |= 1 << 63
                overflow.removeFirst()
            }
            if !nextIsMember { return }
        }
    }

    @inlinable
    var fingerprint: UInt64 {
        var z = UInt64(truncatingIfNeeded: prefix) &* 0x9E37_79B9_7F4A_7C15 ^ mask
        for member in overflow { z = (z ^ UInt64(truncatingIfNeeded: member)) &* 0xBF58_476D_1CE4_E5B9 }
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inlinable
    static func == (lhs: LinearizedSet, rhs: LinearizedSet) -> Bool {
        lhs.prefix == rhs.prefix && lhs.mask == rhs.mask && lhs.overflow == rhs.overflow
    }

    @inlinable
    func hash(into hasher: inout Hasher) { hasher.combine(fingerprint) }
}

@usableFromInline
struct Configuration<State: Hashable>: Hashable {
    @usableFromInline var linearized: LinearizedSet
    @usableFromInline var state: State

    @inlinable
    init(linearized: LinearizedSet, state: State) {
        self.linearized = linearized
        self.state = state
    }

    @inlinable
    func hash(into hasher: inout Hasher) {
        hasher.combine(linearized.fingerprint)
        hasher.combine(state)
    }
}
