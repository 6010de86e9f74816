import Synchronization

/// Which of a simulated service's calls fail, and how, decided from a seed: transient faults at a
/// rate within a budget per participant, scripted faults (each participant's first calls),
/// outages (windows of virtual time in which every call fails), or a service down for good.
///
/// A fault is either *before* the call's effect (nothing happened) or *after* it (the write
/// landed, the caller is told it timed out): the failure model of a real network call, where a
/// timeout says nothing about whether the other side acted.
///
/// Faults follow what the driver knows of a call for itself (a ``FaultTarget``: the object, the
/// change the call would make, the object's version, the participants it can be charged to), never
/// counts, tags or call patterns the subject controls; see ``FaultInjector``.
public struct FaultPlan: Sendable, CustomStringConvertible {
    /// Probability that a call fails transiently (within the budgets).
    public var rate: Double = 0
    /// Of the failing calls with an effect, the share whose write landed before the failure.
    public var afterEffectShare: Double = 0.5
    /// A participant is charged at most this many transient faults of calls that are not its own
    /// change ("reads": reads, calls that cannot change anything as things stand, and changes that
    /// are not the participant's own result, such as a claim on a unique key).
    public var readsPerParticipant = Int.max
    /// Nor more than this many of its own changes (``FaultTarget/ownChange``): the effect the
    /// participant exists for, such as a seat's holder or a payment's subscription row.
    public var effectsPerParticipant = Int.max
    /// The faults of each participant's first calls, of either kind, in order, before the rate applies.
    public var firstFaults: [InjectedFault] = []
    /// The faults of each participant's first reads (calls that are not its own change), in order,
    /// before the rate applies.
    public var firstReadFaults: [InjectedFault] = []
    /// The faults of each participant's first own changes, in order, before the rate applies.
    public var firstWriteFaults: [InjectedFault] = []
    /// The faults of each participant's first calls of one operation (by name), in order, before the
    /// rate applies (say, "the first insert of each delivery fails after the row was written").
    public var firstFaultsByOperation: [String: [InjectedFault]] = [:]
    /// Windows of virtual time in which every call fails before its effect.
    public var outages: [Range<Duration>] = []
    /// Every call fails before its effect.
    public var down = false

    public init(rate: Double = 0, afterEffectShare: Double = 0.5, readsPerParticipant: Int = .max,
                effectsPerParticipant: Int = .max, firstFaults: [InjectedFault] = [], firstReadFaults: [InjectedFault] = [],
                firstWriteFaults: [InjectedFault] = [], firstFaultsByOperation: [String: [InjectedFault]] = [:],
                outages: [Range<Duration>] = [], down: Bool = false) {
        self.rate = rate
        self.afterEffectShare = afterEffectShare
        self.readsPerParticipant = readsPerParticipant
        self.effectsPerParticipant = effectsPerParticipant
        self.firstFaults = firstFaults
        self.firstReadFaults = firstReadFaults
        self.firstWriteFaults = firstWriteFaults
        self.firstFaultsByOperation = firstFaultsByOperation
        self.outages = outages
        self.down = down
    }

    /// No faults (spelled so that it cannot be read as `Optional.none` where a plan is optional).
    public static let healthy = FaultPlan()

    public var description: String {
        if down { return "the service is down: every call fails" }
        var parts: [String] = []
        func list(_ faults: [InjectedFault]) -> String { faults.map(\.description).joined(separator: ", ") }
        if !firstFaults.isEmpty { parts.append("each caller's first calls: " + list(firstFaults)) }
        if !firstReadFaults.isEmpty { parts.append("each caller's first reads: " + list(firstReadFaults)) }
        if !firstWriteFaults.isEmpty { parts.append("each caller's first writes: " + list(firstWriteFaults)) }
        for (operation, faults) in firstFaultsByOperation.sorted(by: { $0.key < $1.key }) {
            parts.append("each caller's first \(operation) calls: " + list(faults))
        }
        if rate > 0 {
            var budget: [String] = []
            if readsPerParticipant < .max { budget.append("\(readsPerParticipant) of its reads") }
            if effectsPerParticipant < .max { budget.append("\(effectsPerParticipant) of its writes") }
            parts.append("\(Int((rate * 100).rounded()))% of calls fail (\(Int((afterEffectShare * 100).rounded()))% of failing writes after they landed)"
                + (budget.isEmpty ? "" : ", at most " + budget.joined(separator: " and ") + " per caller"))
        }
        for outage in outages {
            parts.append("an outage from \(outage.lowerBound.wholeMilliseconds) to \(outage.upperBound.wholeMilliseconds) ms (virtual)")
        }
        return parts.isEmpty ? "no faults" : parts.joined(separator: "; ")
    }
}

/// What happens to one call.
public enum InjectedFault: Sendable, Equatable, CustomStringConvertible {
    case none
    /// The call fails and has no effect.
    case beforeEffect
    /// The call's effect happens, then the caller is told it failed.
    case afterEffect

    public var description: String {
        switch self {
        case .none: "ok"
        case .beforeEffect: "fault (no effect)"
        case .afterEffect: "fault after the write landed"
        }
    }
}

/// What the driver knows of one call when it completes, from its own record: all a fault is
/// decided from. A simulated service builds it from the call's arguments and its own tables.
public struct FaultTarget: Sendable, Equatable {
    /// What the call is about, in the driver's terms ("store 1: seat S3", "database 1: payment p2").
    public var object: String
    /// What the call would change, named by the arguments that decide the change ("holder u7"); nil
    /// for a call that changes nothing as things stand: a read, a compare-and-set on a version the
    /// object no longer has, a delete of what is not there.
    public var effect: String?
    /// Effective calls made on the object before this one (its version).
    public var version: Int
    /// The round's participants this call can be charged to, by the driver's own record of what
    /// each is doing (the reservations of this seat in flight; for a change, those it is the
    /// change of). Empty: nobody's, and the call does not fail transiently.
    public var owners: Set<Int>
    /// The call makes its owners' own change (the seat's holder they ask for, their payment's
    /// subscription row): it spends their budget of own changes and their scripted write faults.
    /// Any other call, whatever it changes, spends their budget of reads, so no call but the
    /// result a participant exists for can use up the faults that result meets.
    public var ownChange: Bool

    /// `ownChange` defaults to whether the call changes anything.
    public init(object: String, effect: String?, version: Int, owners: Set<Int>, ownChange: Bool? = nil) {
        self.object = object
        self.effect = effect
        self.version = version
        self.owners = owners
        self.ownChange = ownChange ?? (effect != nil)
    }
}

/// Applies a ``FaultPlan`` to calls as they complete (in the ``VirtualTimeline``'s order, so the
/// same seed and the same calls get the same faults).
///
/// Whether a call draws a transient fault is decided by the seed and its ``FaultTarget``: the object,
/// the change it would make, the object's version, and how many calls identical in all three came
/// before it (a retry is the next draw of the same call). A call with other content draws from
/// another sequence, so calls made only to use up faults (a compare-and-set on a version that cannot
/// exist, a read of another seat) change nothing for the calls that matter; and which of several
/// concurrent callers makes a call does not change the faults the work meets.
///
/// The budgets (``FaultPlan/readsPerParticipant``, ``FaultPlan/effectsPerParticipant``) are charged
/// to the call's owners, which the driver derives from its own record, never from a tag the subject
/// sends: a read of a seat counts against every reservation of that seat in flight (whichever made
/// it), a change against the reservations it is the change of. A fault is drawn only while every
/// owner has budget left, so no participant ever meets more than its budget, whoever made the calls;
/// and a participant's budget of own changes is spent only by calls that make its own change
/// (``FaultTarget/ownChange``): whatever else the subject does spends, at most, its reads.
public final class FaultInjector: Sendable {
    public let plan: FaultPlan
    public let seed: UInt64
    private let state = Mutex(State())

    private struct State {
        var participants: [Int: Counts] = [:]
        /// Calls so far per (object, change, version): the index of the next identical call's draw.
        var identical: [String: Int] = [:]
    }

    private struct Counts {
        var calls = 0
        var reads = 0
        var effects = 0
        var byOperation: [String: Int] = [:]
        var readFaults = 0
        var effectFaults = 0
    }

    public init(plan: FaultPlan, seed: UInt64) {
        self.plan = plan
        self.seed = seed
    }

    /// The fault of a call about `target` (nil: a call no fault applies to, such as a sleep),
    /// completing at virtual time `at` (from its round's start); `operation` names it for
    /// ``FaultPlan/firstFaultsByOperation``.
    public func decide(_ target: FaultTarget?, operation: String = "", at: Duration) -> InjectedFault {
        guard let target else { return .none }
        if plan.down { return .beforeEffect }
        if plan.outages.contains(where: { $0.contains(at) }) { return .beforeEffect }
        guard !target.owners.isEmpty else { return .none }
        let changes = target.effect != nil
        let own = target.ownChange
        return state.withLock { state -> InjectedFault in
            let kind = target.effect.map { "change " + $0 } ?? "read"
            let identity = "\(target.object) | \(kind) | v\(target.version)"
            let draw = state.identical[identity, default: 0]
            state.identical[identity] = draw + 1
            var generator = SeededGenerator(seed: seed, name: "fault \(identity) #\(draw)")
            let fails = generator.fraction() < plan.rate
            let landed = generator.fraction() < plan.afterEffectShare

            // Scripted faults: each owner's next index into each script that applies; a call with
            // several owners takes the entry at the furthest of them, so none meets more than
            // its script holds.
            let owners = target.owners.sorted()
            func scripted(_ script: [InjectedFault], _ index: (Counts) -> Int) -> InjectedFault? {
                guard !script.isEmpty else { return nil }
                let position = owners.map { index(state.participants[$0, default: Counts()]) }.max() ?? 0
                return position < script.count ? script[position] : nil
            }
            var script = scripted(plan.firstFaults) { $0.calls }
            if let kindScript = own ? scripted(plan.firstWriteFaults, { $0.effects }) : scripted(plan.firstReadFaults, { $0.reads }) {
                script = kindScript
            }
            if let operationScript = plan.firstFaultsByOperation[operation].flatMap({ script in scripted(script) { $0.byOperation[operation, default: 0] } }) {
                script = operationScript
            }
            var fault = InjectedFault.none
            if let script {
                fault = changes ? script : (script == .none ? .none : .beforeEffect)
            } else if fails, owners.allSatisfy({ owner in
                let counts = state.participants[owner, default: Counts()]
                return own ? counts.effectFaults < plan.effectsPerParticipant : counts.readFaults < plan.readsPerParticipant
            }) {
                fault = changes && landed ? .afterEffect : .beforeEffect
            }
            for owner in owners {
                var counts = state.participants[owner, default: Counts()]
                counts.calls += 1
                if own { counts.effects += 1 } else { counts.reads += 1 }
                counts.byOperation[operation, default: 0] += 1
                if fault != .none {
                    if own { counts.effectFaults += 1 } else { counts.readFaults += 1 }
                }
                state.participants[owner] = counts
            }
            return fault
        }
    }
}
