import Synchronization

/// Which of a simulated service's calls fail, and how, decided from a seed: transient faults at a
/// rate (in bursts of at most `maximumConsecutive` per caller), outages (windows of virtual time in
/// which every call fails), or a service that is down for good.
///
/// A fault is either *before* the call's effect (nothing happened) or *after* it (the write
/// landed, the caller is told it timed out): the failure model of a real network call, where a
/// timeout says nothing about whether the other side acted.
public struct FaultPlan: Sendable, CustomStringConvertible {
    /// Probability that a call fails transiently.
    public var rate: Double = 0
    /// Of the failing calls that write, the share whose write landed before the failure.
    public var afterEffectShare: Double = 0.5
    /// A caller never sees more than this many failures in a row from transient faults.
    public var maximumConsecutive = 3
    /// Nor more than this many in all.
    public var maximumPerCaller = Int.max
    /// The faults of each caller's first calls without an effect (reads), in order, before the rate applies.
    public var firstReadFaults: [InjectedFault] = []
    /// The faults of each caller's first calls with an effect (writes), in order, before the rate applies.
    public var firstWriteFaults: [InjectedFault] = []
    /// The faults of each caller's first calls of one operation (by name), in order, before the
    /// rate applies (say, "the first insert of each caller fails after the row was written").
    public var firstFaultsByOperation: [String: [InjectedFault]] = [:]
    /// Windows of virtual time in which every call fails before its effect.
    public var outages: [Range<Duration>] = []
    /// Every call fails before its effect.
    public var down = false

    public init(rate: Double = 0, afterEffectShare: Double = 0.5, maximumConsecutive: Int = 3, maximumPerCaller: Int = .max,
                firstReadFaults: [InjectedFault] = [], firstWriteFaults: [InjectedFault] = [],
                firstFaultsByOperation: [String: [InjectedFault]] = [:], outages: [Range<Duration>] = [], down: Bool = false) {
        self.rate = rate
        self.afterEffectShare = afterEffectShare
        self.maximumConsecutive = maximumConsecutive
        self.maximumPerCaller = maximumPerCaller
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
        if !firstReadFaults.isEmpty { parts.append("each caller's first reads: " + firstReadFaults.map(\.description).joined(separator: ", ")) }
        if !firstWriteFaults.isEmpty { parts.append("each caller's first writes: " + firstWriteFaults.map(\.description).joined(separator: ", ")) }
        for (operation, faults) in firstFaultsByOperation.sorted(by: { $0.key < $1.key }) {
            parts.append("each caller's first \(operation) calls: " + faults.map(\.description).joined(separator: ", "))
        }
        if rate > 0 {
            parts.append("\(Int((rate * 100).rounded()))% of calls fail (\(Int((afterEffectShare * 100).rounded()))% of failing writes after they landed), at most \(maximumConsecutive) in a row per caller"
                + (maximumPerCaller < .max ? " and \(maximumPerCaller) in all" : ""))
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

/// Applies a ``FaultPlan`` to calls as they complete (in the ``VirtualTimeline``'s order, so the
/// same seed and the same calls get the same faults).
///
/// Whether a call draws a transient fault is decided by the seed, the *object* the call is about
/// (a seat, a payment: what the driver sees in the call) and how many calls on that object
/// completed before it, not by which caller made it: which of several concurrent callers does the
/// work (the first to take a lock of the candidate's, say) is the machine's choice, and it must not
/// change which faults the work meets. The caps and the scripted faults stay per caller, since they
/// are what the README promises a caller.
public final class FaultInjector: Sendable {
    public let plan: FaultPlan
    public let seed: UInt64
    private let counts = Mutex<(callers: [Int: Counts], objects: [String: Int])>(([:], [:]))

    private struct Counts {
        var consecutive = 0
        var total = 0
        var reads = 0
        var writes = 0
        var byOperation: [String: Int] = [:]
    }

    public init(plan: FaultPlan, seed: UInt64) {
        self.plan = plan
        self.seed = seed
    }

    /// The fault for call `key` (unique per call) of `caller`, its `number`-th call (from 0),
    /// completing at virtual time `at`. `object` is what the call is about (nil: the call itself
    /// decides, by `key`). `writes` says whether the call has an effect that can land before the
    /// failure; `operation` names it for ``FaultPlan/firstFaultsByOperation``.
    public func decide(key: String, object: String? = nil, caller: Int, number: Int, at: Duration, writes: Bool,
                       operation: String = "") -> InjectedFault {
        if plan.down { return .beforeEffect }
        if plan.outages.contains(where: { $0.contains(at) }) { return .beforeEffect }
        return counts.withLock { all -> InjectedFault in
            var name = "fault " + key
            if let object {
                let index = all.objects[object, default: 0]
                all.objects[object] = index + 1
                name = "fault \(object) #\(index)"
            }
            var generator = SeededGenerator(seed: seed, name: name)
            let fails = generator.fraction() < plan.rate
            let landed = generator.fraction() < plan.afterEffectShare
            var counts = all.callers[caller, default: Counts()]
            defer { all.callers[caller] = counts }
            var scripted: InjectedFault?
            if writes {
                scripted = counts.writes < plan.firstWriteFaults.count ? plan.firstWriteFaults[counts.writes] : nil
                counts.writes += 1
            } else {
                scripted = counts.reads < plan.firstReadFaults.count ? plan.firstReadFaults[counts.reads] : nil
                counts.reads += 1
            }
            if let script = plan.firstFaultsByOperation[operation] {
                let index = counts.byOperation[operation, default: 0]
                counts.byOperation[operation] = index + 1
                if index < script.count { scripted = script[index] }
            }
            if let scripted {
                if scripted != .none { counts.total += 1 }
                return writes ? scripted : (scripted == .none ? .none : .beforeEffect)
            }
            guard fails, counts.consecutive < plan.maximumConsecutive,
                  counts.total < plan.maximumPerCaller else {
                counts.consecutive = 0
                return .none
            }
            counts.consecutive += 1
            counts.total += 1
            return writes && landed ? .afterEffect : .beforeEffect
        }
    }
}
