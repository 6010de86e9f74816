#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import Wire

/// Runs operations on several OS threads released together and records every operation's
/// result and its invoke and return times, for the driver to judge.
///
/// Real threads rather than tasks: the cooperative pool is as wide as the machine (2 threads on a
/// 2-core box), and a concurrency check must not depend on the host's core count. Each thread
/// writes only its own records and publishes how many it completed, so a storm whose threads
/// hang still returns everything completed before the wait ended (and the time the operation in
/// progress was invoked). The subject reports; it never judges.
public enum Storm {
    /// One completed operation: what the adapter encoded as its result, and when it was invoked
    /// and returned (nanoseconds since the storm's start, from `CLOCK_MONOTONIC`: the invoke time
    /// is read before the call and the return time after it, so the recorded interval contains the
    /// call).
    public typealias Record = StormReport.Record

    /// Runs `operations[t]` operations on thread `t` by calling `perform(t, i)`, which returns the
    /// encoded result of operation `i`. No thread starts an operation after `stopStartingAt`;
    /// the wait ends at `waitUntil` (both `Clock.nanos()` readings). For a thread that had not
    /// finished when the wait ended, the report's `pending` holds the invoke time of the operation
    /// it was in (or the time the wait ended, if it was between operations).
    public static func run(operations: [Int], stopStartingAt: UInt64, waitUntil: UInt64,
                           perform: @escaping @Sendable (Int, Int) -> Int64) -> StormReport {
        let threads = operations.count
        let lanes = operations.map { Lane(capacity: $0) }
        let start = Clock.nanos()
        let shared = Shared(lanes: lanes, stopStartingAt: stopStartingAt, perform: perform)
        for index in 0..<threads {
            startDetachedThread {
                shared.arrived.add(1, ordering: .acquiringAndReleasing)
                while shared.arrived.load(ordering: .acquiring) < threads { sched_yield() }
                shared.run(lane: index)
            }
        }
        while shared.finished.load(ordering: .acquiring) < threads && Clock.nanos() < waitUntil {
            usleep(1_000)
        }
        shared.order.mark()
        func relative(_ time: UInt64) -> UInt64 { time >= start ? time - start : 0 }
        var records: [[Record]] = []
        var pending: [UInt64?] = []
        for lane in lanes {
            let completed = lane.completed.load(ordering: .acquiring)
            let inProgress = lane.inProgress.load(ordering: .acquiring)
            let invoking = lane.invoking.load(ordering: .acquiring)
            let stable = lane.completed.load(ordering: .acquiring) == completed
            records.append((0..<completed).map { index in
                var record = lane.records[index]
                record.invoked = relative(record.invoked)
                record.returned = relative(record.returned)
                return record
            })
            let done = lane.done.load(ordering: .acquiring)
            pending.append(!done && stable && inProgress == completed + 1 ? relative(invoking) : nil)
            if !done && pending.last! == nil { pending[pending.count - 1] = relative(Clock.nanos()) }
        }
        // A thread still inside the candidate's code may yet write to its lane: the lanes are
        // freed only when every thread has finished.
        if lanes.allSatisfy({ $0.done.load(ordering: .acquiring) }) { lanes.forEach { $0.free() } }
        return StormReport(threads: records, pending: pending)
    }

    /// One thread's records, preallocated so recording costs no allocation.
    final class Lane: @unchecked Sendable {
        // Safe: `records[i]` is written only by the lane's own thread, before it publishes
        // `completed = i + 1` with a release store; other threads read only indices below an
        // acquired `completed`.
        let records: UnsafeMutableBufferPointer<Record>
        /// Operations this lane was given.
        let operations: Int
        let completed = Atomic<Int>(0)
        /// `i + 1` while operation `i` runs (set before the call).
        let inProgress = Atomic<Int>(0)
        /// When the operation in progress was invoked.
        let invoking = Atomic<UInt64>(0)
        let done = Atomic<Bool>(false)

        init(capacity: Int) {
            operations = capacity
            records = .allocate(capacity: max(capacity, 1))
        }

        func free() { records.deallocate() }
    }

    final class Shared: Sendable {
        let lanes: [Lane]
        let stopStartingAt: UInt64
        let perform: @Sendable (Int, Int) -> Int64
        let arrived = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
        /// Each thread marks it as it finishes, the waiting thread once the wait is over, so that
        /// ThreadSanitizer sees every finished thread's work happen before what follows the storm
        /// (the runtime's own atomics are not instrumented in the race pass's build).
        let order = PthreadOrder()

        init(lanes: [Lane], stopStartingAt: UInt64, perform: @escaping @Sendable (Int, Int) -> Int64) {
            self.lanes = lanes
            self.stopStartingAt = stopStartingAt
            self.perform = perform
        }

        func run(lane index: Int) {
            let lane = lanes[index]
            var operation = 0
            while operation < lane.operations {
                let invoked = Clock.nanos()
                if invoked >= stopStartingAt { break }
                lane.invoking.store(invoked, ordering: .relaxed)
                lane.inProgress.store(operation + 1, ordering: .releasing)
                let result = perform(index, operation)
                let returned = Clock.nanos()
                lane.records[operation] = Record(result: result, invoked: invoked, returned: returned)
                operation += 1
                lane.completed.store(operation, ordering: .releasing)
            }
            lane.done.store(true, ordering: .releasing)
            order.mark()
            finished.add(1, ordering: .releasing)
        }
    }
}

/// The subject's monotonic clock.
public enum Clock {
    public static func nanos() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
