#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Runs a body on several OS threads at once, released together, and waits with a deadline.
///
/// Real threads rather than tasks: the cooperative pool is as wide as the machine (2 threads on a
/// 2-core box), and a concurrency check must not depend on the host's core count.
public enum ThreadStorm {
    public enum Outcome: Sendable, Equatable {
        case finished
        /// Some threads were still running at the deadline. `busy` tells a spinning process
        /// (livelock, a corrupted structure looping forever) from a blocked one (deadlock).
        case hung(finishedThreads: Int, busy: Bool)
    }

    /// A thread counts as busy above a tenth of one core: a blocked thread uses next to none, a
    /// spinning one far more than a tenth even on a loaded machine.
    static let busyShare = 0.1

    /// Starts `threads` threads running `body(index)` and waits up to `timeoutSeconds` for all.
    ///
    /// Threads still running at the deadline are abandoned (the check process exits soon after).
    public static func run(threads: Int, timeoutSeconds: Double,
                           body: @escaping @Sendable (Int) -> Void) -> Outcome {
        let shared = StormState(threads: threads)
        for index in 0..<threads {
            let context = Unmanaged.passRetained(ThreadStart(index: index, state: shared, body: body))
            var thread = pthread_t()
            let created = pthread_create(&thread, nil, { raw in
                let start = Unmanaged<ThreadStart>.fromOpaque(raw!).takeRetainedValue()
                var clock = clockid_t()
                if pthread_getcpuclockid(pthread_self(), &clock) == 0 {
                    start.state.clocks.withLock { $0[start.index] = clock }
                }
                start.state.arrived.add(1, ordering: .acquiringAndReleasing)
                while start.state.arrived.load(ordering: .acquiring) < start.state.threads {
                    sched_yield()
                }
                start.body(start.index)
                start.state.clocks.withLock { $0[start.index] = nil }
                start.state.finished.add(1, ordering: .releasing)
                return nil
            }, context.toOpaque())
            precondition(created == 0, "pthread_create failed: \(created)")
            pthread_detach(thread)
        }
        let deadline = ProcessStats.monotonicNanos() + UInt64(timeoutSeconds * 1e9)
        while shared.finished.load(ordering: .acquiring) < threads {
            if ProcessStats.monotonicNanos() >= deadline {
                let finished = shared.finished.load(ordering: .acquiring)
                return .hung(finishedThreads: finished, busy: shared.unfinishedThreadsAreBusy())
            }
            usleep(1_000)
        }
        return .finished
    }

    /// Whether this process burns CPU (more than a tenth of one core over a short sample): what a
    /// check process's watchdog asks of a check that outlived its budget.
    public static func isBusy(sampleMicros: Int64 = 300_000) -> Bool {
        let before = ProcessStats.cpuMicros()
        usleep(useconds_t(sampleMicros))
        return Double(ProcessStats.cpuMicros() - before) > Double(sampleMicros) * busyShare
    }
}

private final class StormState: Sendable {
    let threads: Int
    let arrived = Atomic<Int>(0)
    let finished = Atomic<Int>(0)
    /// Each running thread's CPU-time clock; nil once it finished.
    let clocks: Mutex<[clockid_t?]>

    init(threads: Int) {
        self.threads = threads
        clocks = Mutex(Array(repeating: nil, count: threads))
    }

    /// Whether the threads still running burn CPU (spinning) rather than wait (blocked), judged on
    /// their own CPU clocks so that nothing else in the process can sway the answer.
    func unfinishedThreadsAreBusy(sampleMicros: Int64 = 300_000) -> Bool {
        func cpuMicros() -> Int64 {
            clocks.withLock { clocks in
                clocks.compactMap { $0 }.reduce(0) { total, clock in
                    var spec = timespec()
                    // A thread that ends meanwhile invalidates its clock: it counts as idle.
                    guard clock_gettime(clock, &spec) == 0 else { return total }
                    return total + Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
                }
            }
        }
        let before = cpuMicros()
        usleep(useconds_t(sampleMicros))
        return Double(cpuMicros() - before) > Double(sampleMicros) * ThreadStorm.busyShare
    }
}

private final class ThreadStart: Sendable {
    let index: Int
    let state: StormState
    let body: @Sendable (Int) -> Void
    init(index: Int, state: StormState, body: @escaping @Sendable (Int) -> Void) {
        self.index = index
        self.state = state
        self.body = body
    }
}
