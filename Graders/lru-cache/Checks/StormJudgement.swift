import DriverKit
import Wire

/// Every value a check puts into a storm's cache: its id (what the subject stores and answers)
/// maps back to the key it was put under and who put it, so a get that returns another key's
/// value, or a value never put, is caught.
final class PutRegistry {
    private(set) var keys: [Int] = []
    private(set) var writers: [Int] = []

    /// A fresh value id for a put of `key` by `writer` (a thread index; -1 and -2 for the
    /// single-threaded fills before and after a storm).
    func add(key: Int, writer: Int) -> Int {
        keys.append(key)
        writers.append(writer)
        return keys.count - 1
    }

    func key(of id: Int) -> Int? { id >= 0 && id < keys.count ? keys[id] : nil }
    func writer(of id: Int) -> Int { writers[id] }
}

/// One operation of a storm as the subject reported it.
struct ObservedOperation {
    var thread: Int
    var index: Int
    var operation: IntOperation
    /// Nil for an operation still running when the storm's wait ended.
    var result: Int64?
    var invoked: UInt64
    var returned: UInt64?
}

/// What a storm report says, flattened, with the checks that do not depend on the challenge's
/// rules: whether any two operations overlapped, and the per-key linearizability search.
struct StormHistory {
    var operations: [ObservedOperation] = []
    /// Threads that had not returned when the storm's wait ended.
    var hungThreads: Int = 0
    var completed: Int { operations.count { $0.returned != nil } }

    init(report: StormReport, sent: [[IntOperation]]) {
        operations.reserveCapacity(report.threads.reduce(0) { $0 + $1.count } + report.threads.count)
        for (thread, records) in report.threads.enumerated() {
            let operationsSent = sent[thread]
            for (index, record) in records.enumerated() {
                operations.append(ObservedOperation(thread: thread, index: index, operation: operationsSent[index],
                                                    result: record.result, invoked: record.invoked, returned: record.returned))
            }
            if let pending = report.pending[thread] {
                hungThreads += 1
                if records.count < operationsSent.count {
                    operations.append(ObservedOperation(thread: thread, index: records.count, operation: operationsSent[records.count],
                                                        result: nil, invoked: pending, returned: nil))
                }
            }
        }
    }

    /// Whether two operations of different threads ran at the same time. A thread's own
    /// operations never overlap each other (the subject runs them one after another), so any
    /// overlap in time is between threads.
    var observedConcurrency: Bool {
        var intervals = operations.map { (invoked: $0.invoked, returned: $0.returned ?? .max) }
        intervals.sort { $0.invoked < $1.invoked }
        var latestReturn: UInt64 = 0
        for interval in intervals {
            if interval.invoked < latestReturn { return true }
            latestReturn = max(latestReturn, interval.returned)
        }
        return false
    }

    /// The per-key projection of the cache, partitioned as Porcupine partitions a key-value store:
    /// each key's gets and puts, searched on their own (counts are judged by the caller).
    func keyPartitions(initial: [Int: Int]) -> [(label: String, initial: Int?, history: [HistoryOperation<KeyRegister.Input, Int?>])] {
        // Two passes: count each key's operations, then fill arrays of exactly that size.
        var slots: [Int: Int] = [:]
        var sizes: [Int] = []
        for observed in operations where observed.operation.kind != .count {
            if let slot = slots[observed.operation.key] {
                sizes[slot] += 1
            } else {
                slots[observed.operation.key] = sizes.count
                sizes.append(1)
            }
        }
        var histories: [[HistoryOperation<KeyRegister.Input, Int?>]] = sizes.map { size in
            var history: [HistoryOperation<KeyRegister.Input, Int?>] = []
            history.reserveCapacity(size)
            return history
        }
        for observed in operations {
            let operation = observed.operation
            guard operation.kind != .count, let slot = slots[operation.key] else { continue }
            if operation.kind == .get {
                let output: Int?? = observed.result.map { $0 == LRUStormCode.absent ? .some(nil) : .some(Int($0)) } ?? nil
                histories[slot].append(HistoryOperation(thread: observed.thread, input: .get, output: output,
                                                        invoked: observed.invoked, returned: observed.returned))
            } else {
                histories[slot].append(HistoryOperation(thread: observed.thread, input: .put(operation.value),
                                                        output: observed.returned == nil ? nil : .some(nil),
                                                        invoked: observed.invoked, returned: observed.returned))
            }
        }
        return slots.keys.sorted().map { key in ("key \(key)", initial[key], histories[slots[key]!]) }
    }
}

/// One key of an LRU cache seen on its own: a register holding the key's value or nothing. A put
/// stores; a get returns what is stored. With `evictable`, the entry may also vanish at any
/// moment, as other keys' puts can evict it; what is gone never comes back without a new put.
/// With no evictions possible (capacity for every key) this is exactly the LRU model restricted
/// to the key; with them, it is what any linearizable LRU history must satisfy key by key.
struct KeyRegister: SequentialSpecification {
    enum Input: Equatable { case put(Int), get }
    var evictable: Bool

    func step(_ state: Int?, _ input: Input, _ output: Int??) -> Int?? {
        switch input {
        case .put(let id):
            return .some(id)
        case .get:
            guard let output else { return .some(state) }
            if output == state { return .some(state) }
            if evictable && output == nil { return .some(nil) }
            return nil
        }
    }
}

extension LRUConcurrencyChecks {
    /// Runs the per-key linearizability search over a storm's history; throws a failure naming
    /// the key and the operations that no order could place, or saying that the search could not
    /// settle it within its bound (a bound no correct cache's history comes near: the history is
    /// the subject's answers, so a history too hard to search is its own).
    static func requireLinearizable(_ history: StormHistory, initial: [Int: Int], evictable: Bool, registry: PutRegistry,
                                    what: String, context: CheckContext) throws {
        let started = DriverClock.nanos()
        let partitions = history.keyPartitions(initial: initial)
        var steps = 0
        let verdict = Linearizability.check(KeyRegister(evictable: evictable), partitions: partitions, steps: &steps)
        let operations = partitions.reduce(0) { $0 + $1.history.count }
        context.note("linearizability, per key (\(evictable ? "an entry eviction may clear at any time" : "no evictions")): "
            + "\(operations) gets and puts on \(partitions.count) keys searched in \(steps) steps, "
            + "\(formatSeconds(DriverClock.seconds(since: started)))")
        switch verdict {
        case .linearizable:
            return
        case .undecided(let why):
            throw CheckFailure("while \(what), the history of answers could not be searched for linearizability within "
                + "the search's bound: \(why). The history is the cache's answers: not linearizable within the bound")
        case .violation(let label, let count, let longest, let stuck):
            let partition = partitions.first { $0.label == label }!
            let shown = stuck.prefix(4).map { describe(partition.history[$0], registry: registry) }
            throw CheckFailure("while \(what), the gets and puts of \(label) cannot be put in any order that agrees with both "
                + "when each was called and returned and what an LRU cache answers: \(longest) of its \(count) operations could "
                + "be ordered, then none of these could come next: " + shown.joined(separator: "; ")
                + " (values are named by the thread that put them)")
        }
    }

    static func describe(_ operation: HistoryOperation<KeyRegister.Input, Int?>, registry: PutRegistry) -> String {
        func value(_ id: Int?) -> String {
            guard let id else { return "nil" }
            guard registry.key(of: id) != nil else { return "value #\(id)" }
            let writer = registry.writer(of: id)
            return writer >= 0 ? "thread \(writer)'s value #\(id)" : "the single-threaded value #\(id)"
        }
        let call: String
        switch operation.input {
        case .put(let id): call = "put(\(value(id)))"
        case .get: call = "get → " + (operation.output.map { value($0) } ?? "(never returned)")
        }
        let times = "called at \(formatMicros(operation.invoked)), "
            + (operation.returned.map { "returned at \(formatMicros($0))" } ?? "never returned")
        return "thread \(operation.thread) \(call) (\(times))"
    }

    static func formatMicros(_ nanos: UInt64) -> String {
        "\((Double(nanos) / 100).rounded() / 10) µs"
    }
}
