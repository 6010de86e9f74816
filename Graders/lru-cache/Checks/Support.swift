#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HarnessKit
import Synchronization

// Shared helpers of the hidden lru-cache checks. Everything here is internal to the check module.

/// Keeps objects alive until the check process ends.
///
/// The report is written with `_exit`, so whatever is kept here is never deinitialised. Checks
/// that build very large caches park them here: releasing a 100,000-node linked list recursively is
/// a stack-depth hazard of its own that those checks do not grade.
enum KeepAlive {
    private static let parked = Mutex<[UncheckedSendableBox<AnyObject>]>([])

    static func park(_ object: AnyObject) {
        let box = UncheckedSendableBox(object)
        parked.withLock { $0.append(box) }
    }
}

/// Blocks the calling thread until the harness watchdog reports `timeout` and ends the process.
///
/// Used when threads of a storm are stuck: a hang is a timeout (with the watchdog's busy/blocked
/// diagnosis), never a failure, so a deadlock does not raise a red flag meant for data races.
func waitForWatchdog() -> Never {
    while true { pause() }
}

/// Seconds since `start` (a `ProcessStats.monotonicNanos()` reading).
func secondsSince(_ start: UInt64) -> Double {
    Double(ProcessStats.monotonicNanos() &- start) / 1e9
}

/// "12.3 ns" / "4.56 µs" / "7.8 ms".
func formatDuration(nanos: Double) -> String {
    func rounded(_ value: Double, _ digits: Double) -> Double { (value * digits).rounded() / digits }
    if nanos < 1_000 { return "\(rounded(nanos, 10)) ns" }
    if nanos < 1_000_000 { return "\(rounded(nanos / 1_000, 100)) µs" }
    return "\(rounded(nanos / 1_000_000, 10)) ms"
}

/// "2.35".
func formatRatio(_ value: Double) -> String {
    "\((value * 100).rounded() / 100)"
}

/// "1.5 MiB".
func formatBytes(_ bytes: Int64) -> String {
    let mebibytes = Double(bytes) / 1_048_576
    return "\((mebibytes * 10).rounded() / 10) MiB"
}

/// A value that encodes the key it was stored under, so a check can tell whose value `get` returned.
final class KeyedValue: Sendable, CustomStringConvertible {
    let key: Int
    let writer: Int

    init(key: Int, writer: Int) {
        self.key = key
        self.writer = writer
    }

    var description: String { "value(key: \(key), written by thread \(writer))" }
}

/// What a storm found wrong first; later findings are ignored.
final class ViolationLog: Sendable {
    private let first = Mutex<String?>(nil)
    private let flag = Atomic<Bool>(false)

    /// Whether any thread has recorded a violation (cheap; polled by the storm's threads).
    var found: Bool { flag.load(ordering: .relaxed) }

    func record(_ message: @autoclosure () -> String) {
        let text = message()
        first.withLock { if $0 == nil { $0 = text } }
        flag.store(true, ordering: .releasing)
    }

    var message: String? { first.withLock { $0 } }
}

/// Runs a storm of `threads` threads, then sorts out the three ways it can end.
///
/// - a recorded violation fails the check (even if some threads are still stuck in the cache);
/// - threads still running at the deadline with no violation recorded: the diagnosis goes into
///   the evidence and the check waits for the watchdog, so the status is `timeout`;
/// - otherwise the storm finished and the caller goes on with its own verification.
func runStorm(_ context: CheckContext, started: UInt64, threads: Int, violations: ViolationLog,
              what: String, body: @escaping @Sendable (Int) -> Void) throws {
    // Leave the harness watchdog a second and a half to report the timeout itself.
    let remaining = max(0.5, context.budgetSeconds - secondsSince(started) - 1.5)
    let outcome = ThreadStorm.run(threads: threads, timeoutSeconds: remaining, body: body)
    if let message = violations.message {
        if case .hung(let finished, let busy) = outcome {
            context.note("\(what): \(threads - finished) of \(threads) threads never returned from the cache "
                + (busy ? "(still using CPU: a corrupted structure looping?)" : "(blocked, no CPU: a deadlock?)"))
        }
        throw CheckFailure(message)
    }
    if case .hung(let finished, let busy) = outcome {
        context.note("\(what): only \(finished) of \(threads) threads had returned after "
            + "\(formatSeconds(remaining)); the others were "
            + (busy ? "still using CPU (an endless loop or livelock inside the cache?)"
                    : "blocked, using no CPU (a deadlock inside the cache?)"))
        waitForWatchdog()
    }
}

/// A short transcript of the most recent operations, for messages and evidence.
struct RecentOperations {
    private var ring: [String]
    private var next = 0
    private var total = 0

    init(keep: Int) { ring = Array(repeating: "", count: keep) }

    mutating func append(_ operation: String) {
        ring[next] = operation
        next = (next + 1) % ring.count
        total += 1
    }

    /// Oldest first, each prefixed with its operation index.
    var lines: [String] {
        let kept = min(total, ring.count)
        return (0..<kept).map { offset in
            let index = total - kept + offset
            return "#\(index) \(ring[(next - kept + offset + ring.count) % ring.count])"
        }
    }
}
