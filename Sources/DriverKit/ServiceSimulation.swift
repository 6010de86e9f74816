import Synchronization

/// What every simulated service of the challenges shares: rounds of concurrent callers on a
/// ``VirtualTimeline``, each call's latency chosen from the seed and the call's name (its caller
/// and that caller's call number), faults from a ``FaultPlan``, and counts for the evidence.
///
/// A service's handler asks for a ``turn(caller:operation:writes:latency:)``, performs the call's
/// effect (unless the turn's fault says it failed before it), and ends the turn with
/// ``Turn/done()``. The subject reports each caller's end of a round with ``finish(caller:)``.
public final class ServiceSimulation: Sendable {
    public let seed: UInt64
    /// The virtual latency of a call: uniform in this range (milliseconds).
    public let latencyMilliseconds: ClosedRange<Int>
    private let state: Mutex<State>

    private struct State {
        var timeline = VirtualTimeline(participants: 1)
        var faults: FaultInjector
        var callNumbers: [Int: Int] = [:]
        var chains: [Int: Duration] = [:]
        var calls = 0
    }

    /// One call's turn: when it completes (virtual time) and what fault it meets.
    public struct Turn: Sendable {
        public let at: Duration
        public let fault: InjectedFault
        public let caller: Int
        /// The caller's call number (from 0, across rounds).
        public let number: Int
        public let latency: Duration
        let timeline: VirtualTimeline

        /// The call's effect is done: the next call may complete.
        public func done() async { await timeline.done() }
    }

    public init(seed: UInt64, latencyMilliseconds: ClosedRange<Int> = 1...10, faults: FaultPlan = .healthy) {
        self.seed = seed
        self.latencyMilliseconds = latencyMilliseconds
        state = Mutex(State(faults: FaultInjector(plan: faults, seed: seed)))
    }

    /// The current fault plan's injector.
    public var faults: FaultInjector { state.withLock { $0.faults } }

    /// Starts a round of `participants` concurrent callers: a fresh timeline (virtual time 0), and
    /// a new fault plan if one is given (a service that heals, say).
    @discardableResult
    public func beginRound(participants: Int, faults plan: FaultPlan? = nil) -> VirtualTimeline {
        let timeline = VirtualTimeline(participants: participants)
        state.withLock { state in
            state.timeline = timeline
            state.chains = [:]
            if let plan { state.faults = FaultInjector(plan: plan, seed: seed) }
        }
        return timeline
    }

    /// The current round's timeline.
    public var timeline: VirtualTimeline { state.withLock { $0.timeline } }

    /// Waits for a call's turn. `latency` overrides the seeded one (a sleep lasts its duration).
    public func turn(caller: Int, operation: String, writes: Bool, latency fixed: Duration? = nil) async -> Turn {
        let (timeline, faults, number) = state.withLock { state -> (VirtualTimeline, FaultInjector, Int) in
            let number = state.callNumbers[caller, default: 0]
            state.callNumbers[caller] = number + 1
            return (state.timeline, state.faults, number)
        }
        let key = "\(caller) #\(number)"
        let latency: Duration
        if let fixed {
            latency = fixed
        } else {
            var random = SeededGenerator(seed: seed, name: "latency " + key)
            let span = latencyMilliseconds.upperBound - latencyMilliseconds.lowerBound + 1
            latency = .milliseconds(latencyMilliseconds.lowerBound + Int(random.next() % UInt64(span)))
        }
        let at = await timeline.complete(after: latency, key: key)
        let fault = fixed == nil
            ? faults.decide(key: key, caller: caller, number: number, at: at, writes: writes, operation: operation)
            : .none
        state.withLock { state in
            state.calls += 1
            state.chains[caller, default: .zero] += latency
        }
        return Turn(at: at, fault: fault, caller: caller, number: number, latency: latency, timeline: timeline)
    }

    /// `caller` ended its part of the current round (it makes no more calls).
    public func finish(caller: Int) {
        let timeline = self.timeline
        Task { await timeline.participantFinished() }
    }

    /// Calls completed so far (every round).
    public var calls: Int { state.withLock { $0.calls } }

    /// The longest sum of one caller's own call latencies this round.
    public var longestChain: Duration { state.withLock { $0.chains.values.max() ?? .zero } }
}
