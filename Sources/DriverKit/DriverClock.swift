#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Wire

/// The driver's monotonic clock: the timings that decide checks are read here, outside the subject.
public enum DriverClock {
    public static func nanos() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// Seconds since `start` (a ``nanos()`` reading).
    public static func seconds(since start: UInt64) -> Double {
        Double(nanos() &- start) / 1e9
    }
}

/// A deterministic random generator (``SplitMix64``), so a failing sequence can be replayed by seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var core: SplitMix64

    public init(seed: UInt64) { core = SplitMix64(seed: seed) }

    public mutating func next() -> UInt64 { core.next() }
}

/// "2.5 s" / "300 ms".
public func formatSeconds(_ seconds: Double) -> String {
    seconds >= 1 ? "\((seconds * 10).rounded() / 10) s" : "\(Int((seconds * 1000).rounded())) ms"
}

/// "12.3 ns" / "4.56 µs" / "7.8 ms".
public func formatDuration(nanos: Double) -> String {
    func rounded(_ value: Double, _ digits: Double) -> Double { (value * digits).rounded() / digits }
    if nanos < 1_000 { return "\(rounded(nanos, 10)) ns" }
    if nanos < 1_000_000 { return "\(rounded(nanos / 1_000, 100)) µs" }
    return "\(rounded(nanos / 1_000_000, 10)) ms"
}

/// "2.35".
public func formatRatio(_ value: Double) -> String {
    "\((value * 100).rounded() / 100)"
}

/// "1.5 MiB".
public func formatBytes(_ bytes: Int64) -> String {
    let mebibytes = Double(bytes) / 1_048_576
    return "\((mebibytes * 10).rounded() / 10) MiB"
}

/// "1 call" / "3 calls" (`plural` for irregular ones: "1 delivery", "2 deliveries").
public func counted(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
    "\(count) " + (count == 1 ? singular : plural ?? singular + "s")
}

/// "0x2a": how seeds are shown (and accepted by `--seed`).
public func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
