import Synchronization

/// A seeded generator (SplitMix64): the driver's schedules and the support types' in-memory
/// simulations draw from it, so a seed replays the same numbers on both.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniformly chosen fraction in [0, 1).
    public mutating func fraction() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// How a support type behaves in its in-memory mode (a candidate's own tests), as its simulated
/// service does in the grader: each call waits a latency drawn from a range (a real sleep) and
/// fails at a rate, a failing write either before or after its effect, all from a seed.
public final class InMemoryServiceBehavior: Sendable {
    private let random: Mutex<SplitMix64>
    private let latency: ClosedRange<Duration>
    private let failureRate: Double

    public init(latency: ClosedRange<Duration>, failureRate: Double, seed: UInt64) {
        random = Mutex(SplitMix64(seed: seed))
        self.latency = latency
        self.failureRate = failureRate
    }

    /// Waits the call's latency, then performs `effect` unless the call fails before it; throws
    /// `failure()` when the call fails (for a write, after its effect half of the time).
    public func perform<T: Sendable>(writes: Bool, failure: () -> any Error, _ effect: () throws -> T) async throws -> T {
        let (delay, fails, afterEffect) = random.withLock { random in
            (latency.lowerBound + (latency.upperBound - latency.lowerBound) * random.fraction(),
             random.fraction() < failureRate, random.fraction() < 0.5)
        }
        if delay > .zero { try await Task.sleep(for: delay) }
        if fails && !(writes && afterEffect) { throw failure() }
        let result = try effect()
        if fails { throw failure() }
        return result
    }
}
