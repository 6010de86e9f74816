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
                start.state.arrived.add(1, ordering: .acquiringAndReleasing)
                while start.state.arrived.load(ordering: .acquiring) < start.state.threads {
                    sched_yield()
                }
                start.body(start.index)
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
                return .hung(finishedThreads: finished, busy: isBusy())
            }
            usleep(1_000)
        }
        return .finished
    }

    /// Whether this process burns CPU: more than a quarter of one core over a short sample.
    public static func isBusy(sampleMicros: Int64 = 300_000) -> Bool {
        let before = ProcessStats.cpuMicros()
        usleep(useconds_t(sampleMicros))
        return ProcessStats.cpuMicros() - before > sampleMicros / 4
    }
}

private final class StormState: Sendable {
    let threads: Int
    let arrived = Atomic<Int>(0)
    let finished = Atomic<Int>(0)
    init(threads: Int) { self.threads = threads }
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
