import Synchronization

/// What every simulated service of the challenges shares: rounds of concurrent callers on a
/// ``VirtualTimeline``, each call's latency chosen from the seed and the call's name (its caller
/// and that caller's call number), faults from a ``FaultPlan``, and counts for the evidence.
///
/// A service's handler asks for a ``turn(caller:latency:)``; when it comes, the handler looks at
/// its own tables to say what the call is about (a ``FaultTarget``), asks the turn for the call's
/// ``Turn/fault(_:operation:)``, performs the effect (unless the fault came before it), and ends
/// the turn with ``Turn/done()``. The subject reports each caller's end of a round with
/// ``finish(caller:)``.
///
/// The caller a call names is the subject's own tag: it picks the call's latency and where the
/// call stands in the interleaving shown as evidence, never its fault.
public final class ServiceSimulation: Sendable {
    public let seed: UInt64
    /// The virtual latency of a call: uniform in this range (milliseconds).
    public let latencyMilliseconds: ClosedRange<Int>
    private let state: Mutex<State>

    private struct State {
        var timeline = VirtualTimeline(participants: 1)
        /// When the current round started (virtual time runs on across rounds).
        var roundStart: Duration = .zero
        /// The latest completion so far.
        var latest: Duration = .zero
        var faults: FaultInjector
        /// Each round's start and the fault plan it began with, when the plan changed.
        var plans: [(start: Duration, plan: FaultPlan)] = []
        var callNumbers: [Int: Int] = [:]
        var chains: [Int: Duration] = [:]
        var calls = 0
    }

    /// One call's turn: when it completes (virtual time).
    public struct Turn: Sendable {
        public let at: Duration
        public let caller: Int
        /// The caller's call number (from 0, across rounds).
        public let number: Int
        public let latency: Duration
        let timeline: VirtualTimeline
        let faults: FaultInjector
        /// `at`, from the start of the call's round (outages are timed from there).
        let sinceRoundStart: Duration

        /// The fault the call meets, decided from what it is about (nil: nothing a fault applies
        /// to, such as a sleep). Asked once per call, when its turn has come.
        public func fault(_ target: FaultTarget?, operation: String = "") -> InjectedFault {
            faults.decide(target, operation: operation, at: sinceRoundStart)
        }

        /// The call's effect is done: the next call may complete.
        public func done() async { await timeline.done() }
    }

    /// Tells whether the subject is quiescent; nil: the driver's probe (``DriverRun``).
    private let idleProbe: (@Sendable () async -> Bool?)?

    /// `idle` replaces the driver's quiescence probe (tests, where there is no subject process).
    public init(seed: UInt64, latencyMilliseconds: ClosedRange<Int> = 1...10, faults: FaultPlan = .healthy,
                idle: (@Sendable () async -> Bool?)? = nil) {
        self.seed = seed
        self.latencyMilliseconds = latencyMilliseconds
        idleProbe = idle
        state = Mutex(State(faults: FaultInjector(plan: faults, seed: seed), plans: [(.zero, faults)]))
    }

    /// The current fault plan's injector.
    public var faults: FaultInjector { state.withLock { $0.faults } }

    /// Starts a round of `participants` concurrent callers: a fresh timeline, starting where the
    /// last round ended (one clock for the whole check), and a new fault plan if one is given (a
    /// service that heals, say; outages are timed from the start of the round). `members` are the
    /// participants' caller ids, when the check knows them (see ``VirtualTimeline``).
    @discardableResult
    public func beginRound(participants: Int, members: Set<Int>? = nil, faults plan: FaultPlan? = nil) -> VirtualTimeline {
        state.withLock { state in
            let start = state.latest
            let timeline = VirtualTimeline(participants: participants, members: members, start: start,
                                           schedule: DriverRun.isRacePass ? .bursts : .oneAtATime,
                                           idle: idleProbe ?? quiescenceProbe())
            state.timeline = timeline
            state.roundStart = start
            state.chains = [:]
            if let plan {
                state.faults = FaultInjector(plan: plan, seed: seed)
                // Recorded only when it changes what the service does; a change before any call
                // replaces the plan it changes.
                if state.plans.last?.plan.description != plan.description {
                    if state.plans.last?.start == start && state.calls == 0 { state.plans.removeLast() }
                    state.plans.append((start, plan))
                }
            }
            return timeline
        }
    }

    /// The fault plans the check used, each from the virtual time its round started.
    public var plans: [(start: Duration, plan: FaultPlan)] { state.withLock { $0.plans } }

    /// The current round's timeline.
    public var timeline: VirtualTimeline { state.withLock { $0.timeline } }

    /// Waits for a call's turn. `latency` overrides the seeded one (a sleep lasts its duration).
    public func turn(caller: Int, latency fixed: Duration? = nil) async -> Turn {
        DriverRun.serviceCallReached()
        let (timeline, faults, number, roundStart) = state.withLock { state -> (VirtualTimeline, FaultInjector, Int, Duration) in
            let number = state.callNumbers[caller, default: 0]
            state.callNumbers[caller] = number + 1
            return (state.timeline, state.faults, number, state.roundStart)
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
        let at = await timeline.complete(after: latency, key: key, participant: caller)
        state.withLock { state in
            state.latest = max(state.latest, at)
            state.calls += 1
            state.chains[caller, default: .zero] += latency
        }
        return Turn(at: at, caller: caller, number: number, latency: latency, timeline: timeline, faults: faults,
                    sinceRoundStart: at - roundStart)
    }

    /// `caller` ended its part of the current round (it makes no more calls).
    public func finish(caller: Int) {
        DriverRun.serviceCallReached()
        let timeline = self.timeline
        Task { await timeline.participantFinished(caller) }
    }

    /// Whether the subject is quiescent though not every participant shows as waiting (it waits on
    /// something of its own): nothing in transit on the channel, every service call received has
    /// reached a simulation, and the grader sees none of the subject's threads running, all of
    /// it twice, the counts unchanged in between. Nil without a subject or a meter (tests).
    private func quiescenceProbe() -> (@Sendable () async -> Bool?)? {
        guard DriverRun.subject != nil, let idle = DriverRun.idleProbe else { return nil }
        return {
            func settled() -> (Bool, Int) {
                let subjects = DriverRun.subjects
                let received = subjects.reduce(0) { $0 + $1.serviceCallsReceived }
                return (!subjects.contains(where: \.channelBusy) && received == DriverRun.serviceCallsReached, received)
            }
            let (before, received) = settled()
            guard before else { return false }
            guard let idleNow = await idle(), idleNow else { return false }
            try? await Task.sleep(for: .microseconds(500))
            let (after, receivedAfter) = settled()
            return after && receivedAfter == received
        }
    }

    /// Calls completed so far (every round).
    public var calls: Int { state.withLock { $0.calls } }

    /// The longest sum of one caller's own call latencies this round.
    public var longestChain: Duration { state.withLock { $0.chains.values.max() ?? .zero } }
}
