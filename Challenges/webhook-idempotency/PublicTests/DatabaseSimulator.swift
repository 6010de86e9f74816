@_spi(GraderWire) import Challenge
import DriverKit
import Synchronization
import Wire

/// The subscription database and the sleeper as the checks run them: they live here, in the
/// driver, and the candidate's calls reach them over the channel. The tables are the record of
/// which subscriptions exist, which the candidate's code cannot touch; every sleep is read here.
///
/// Calls complete on the ``ServiceSimulation``'s virtual timeline (sleeps after their duration),
/// may fail as its ``FaultPlan`` says, and are logged, so a failing check can show the
/// interleaving that broke a rule.
///
/// A call's fault is decided from the database's own record (``FaultTarget``): what the call is
/// about (a payment's rows, a unique key), whether it would change anything as the tables stand (a
/// read, an insert of a key that is there, a delete of one that is not: no), and the deliveries in
/// flight it can be charged to: those of the payment it names, or, for a unique key, those whose
/// payment id or idempotency key the key contains, else all of them. A delivery's own change is
/// its payment's subscription row; every other call spends its reads, so claims made only to use
/// up faults never spare the inserts.
///
/// Databases are objects of the ``ServiceDirectory`` (a sleeper's calls name its handler's
/// database): every call reaches the simulator that holds its database.
public final class DatabaseSimulator: ServiceHandler {
    public let simulation: ServiceSimulation
    private let state = Mutex(State())

    /// One completed call, sleep or delivery end.
    public struct Event: Sendable, CustomStringConvertible {
        public var at: Duration
        public var caller: Int
        /// The delivery the caller runs ("payment p1 (key k2)"), or who it is.
        public var who: String
        public var what: String
        public var paymentId: String?
        /// A change of the database's fault plan: shown in every payment's interleaving.
        public var marksPlan = false

        public var description: String { marksPlan ? "t=\(at.wholeMilliseconds)ms — from here the database: \(what)" : "t=\(at.wholeMilliseconds)ms \(who): \(what)" }
    }

    struct Tables {
        var rows: [Subscription] = []
        var keys: Set<String> = []
    }

    private struct State {
        var tables: [Int: Tables] = [:]
        var events: [Event] = []
        var sleeps: [Int: [Duration]] = [:]
        var databaseCalls: [Int: Int] = [:]
        /// Each caller's calls in order: true for a sleep, false for a database call.
        var activity: [Int: [Bool]] = [:]
        /// What each delivery of the current round reported as it finished.
        var answers: [Int: WebhookAnswer] = [:]
        /// Callers of the current round, and what each runs.
        var running: [Int: (who: String, paymentId: String?)] = [:]
        /// The idempotency key of each delivery of the current round.
        var keys: [Int: String] = [:]
        /// Effective calls made so far on each object (a payment's rows, a unique key).
        var versions: [String: Int] = [:]
        /// Every payment delivered so far (to tell which payment a query's call is about).
        var payments: Set<String> = []
        var ended: Set<Int> = []
    }

    static let maximumEvents = 100_000
    /// Most rows, or unique keys, one database holds (a correct handler writes one per payment).
    static let maximumRows = 100_000

    /// Ends the check: the candidate's calls outgrew what the simulation holds.
    private func overran(_ what: String) -> CheckFailure {
        DriverRun.overran(what)
        return CheckFailure(what)
    }

    public init(seed: UInt64, faults: FaultPlan = .healthy) {
        simulation = ServiceSimulation(seed: seed, faults: faults)
    }

    public var seed: UInt64 { simulation.seed }

    /// Adds an empty database; returns its id.
    public func addDatabase() -> Int {
        state.withLock { state in
            let id = ServiceDirectory.shared.newObject(owner: self)
            state.tables[id] = Tables()
            return id
        }
    }

    /// The rows for `paymentId` in `database` now.
    public func rows(_ database: Int, paymentId: String) -> [Subscription] {
        state.withLock { $0.tables[database]?.rows.filter { $0.paymentId == paymentId } ?? [] }
    }


    /// The sleeps `caller` asked for, in order (every round).
    public func sleeps(of caller: Int) -> [Duration] { state.withLock { $0.sleeps[caller] ?? [] } }

    /// `caller`'s attempts: its database calls split by its sleeps (every round), and whether it
    /// slept before its first call, after its last, or twice in a row.
    public func attempts(of caller: Int) -> (count: Int, strayed: Bool) {
        let activity = state.withLock { $0.activity[caller] ?? [] }
        var count = 0
        for (index, sleep) in activity.enumerated() where !sleep && (index == 0 || activity[index - 1]) { count += 1 }
        let strayed = activity.first == true || activity.last == true
            || zip(activity, activity.dropFirst()).contains { $0 && $1 }
        return (count, strayed)
    }

    /// Database calls made by `caller` (every round).
    public func databaseCalls(of caller: Int) -> Int {
        state.withLock { $0.databaseCalls[caller] ?? 0 }
    }

    /// Starts a round of `callers` (each named for the evidence, with the payment and idempotency
    /// key of a delivery), with a new fault plan if given.
    func beginRound(_ callers: [(caller: Int, who: String, paymentId: String?, key: String?)], faults: FaultPlan? = nil) -> VirtualTimeline {
        let plansBefore = simulation.plans.map(\.plan.description)
        let timeline = simulation.beginRound(participants: callers.count, members: Set(callers.map(\.caller)), faults: faults)
        ServiceDirectory.shared.claim(callers: callers.map(\.caller), owner: self)
        let plans = simulation.plans
        state.withLock { state in
            if plans.map(\.plan.description) != plansBefore || state.events.isEmpty, let last = plans.last {
                state.events.append(Event(at: last.start, caller: -1, who: "", what: "\(last.plan)", paymentId: nil, marksPlan: true))
            }
            state.running = Dictionary(callers.map { ($0.caller, ($0.who, $0.paymentId)) }, uniquingKeysWith: { first, _ in first })
            state.keys = Dictionary(callers.compactMap { caller in caller.key.map { (caller.caller, $0) } }, uniquingKeysWith: { first, _ in first })
            state.payments.formUnion(callers.compactMap(\.paymentId))
            state.ended = []
            state.answers = [:]
        }
        return timeline
    }

    /// What each delivery of the current round reported as it finished.
    var reportedAnswers: [Int: WebhookAnswer] { state.withLock { $0.answers } }

    /// Adds a line to the log, under the payment the caller works on, or else the one the call
    /// names (`about`: a row's or a query's payment, or a key containing a payment's id).
    func log(caller: Int, _ what: String, at: Duration, about: String? = nil) {
        state.withLock { state in
            guard state.events.count < Self.maximumEvents else { return }
            let running = state.running[caller]
            var payment = running?.paymentId
            if payment == nil, let about {
                payment = state.payments.contains(about) ? about
                    : state.payments.filter { about.contains($0) }.max { $0.count < $1.count }
            }
            state.events.append(Event(at: at, caller: caller, who: running?.who ?? "caller \(caller)", what: what, paymentId: payment))
        }
    }

    /// Every event so far.
    public var events: [Event] { state.withLock { $0.events } }

    /// The events about `paymentId` (its deliveries' calls and sleeps, and calls of queries that
    /// name it), with the fault plan in force marked where it changed, at most `limit`, as lines.
    public func interleaving(paymentId: String, limit: Int = 28) -> [String] {
        let lines = events.filter { $0.paymentId == paymentId || $0.marksPlan }.map(\.description)
        guard lines.count > limit else { return lines }
        return lines.prefix(limit - 1) + ["… and \(lines.count - limit + 1) more"]
    }

    // MARK: ServiceHandler

    public func handle(_ call: ServiceCall) async throws -> [UInt8] {
        switch call.service {
        case WebhookDeliveriesService.name: return try await ended(call)
        case WebhookSleeperService.name: return try await sleep(call)
        default: return try await database(call)
        }
    }

    private func ended(_ call: ServiceCall) async throws -> [UInt8] {
        var body = WireReader(call.body)
        let caller: Int
        var answer: WebhookAnswer?
        do {
            caller = try body.int(in: 0...WebhookLimits.maximumCaller)
            if try body.bool() { answer = try WebhookAnswer(from: &body) }
            try body.finish()
        } catch let error as WireError {
            throw CheckFailure("a malformed delivery report: \(error.message)")
        }
        let known = state.withLock { state -> Bool in
            guard state.running[caller] != nil, !state.ended.contains(caller) else { return false }
            state.ended.insert(caller)
            return true
        }
        guard known else { throw CheckFailure("a report for delivery \(caller), which is not running") }
        if let answer {
            state.withLock { $0.answers[caller] = answer }
            log(caller: caller, "handlePaymentWebhook returned \(answer)", at: await simulation.timeline.now)
        }
        simulation.finish(caller: caller)
        return []
    }

    private func sleep(_ call: ServiceCall) async throws -> [UInt8] {
        var body = WireReader(call.body)
        let caller: Int, nanos: Int, negative: Bool
        do {
            _ = try body.int(in: 0...Int(Int32.max))  // the database, which routed the call here
            caller = try body.int(in: -1...WebhookLimits.maximumCaller)
            nanos = try body.int(in: 0...(86_400 * 1_000_000_000 + 999_999_999))
            negative = try body.bool()
            try body.finish()
        } catch let error as WireError {
            throw CheckFailure("a malformed sleep: \(error.message)")
        }
        let duration: Duration = negative ? .nanoseconds(-1) : .nanoseconds(nanos)
        let turn = await simulation.turn(caller: caller, latency: max(.zero, duration))
        state.withLock { state in
            if state.sleeps[caller, default: []].count < Self.maximumEvents { state.sleeps[caller, default: []].append(duration) }
            if state.activity[caller, default: []].count < Self.maximumEvents { state.activity[caller, default: []].append(true) }
        }
        log(caller: caller, negative ? "sleep(for: a negative duration)" : "sleep(for: \(Self.format(duration)))", at: turn.at)
        await turn.done()
        return []
    }

    private func database(_ call: ServiceCall) async throws -> [UInt8] {
        var body = WireReader(call.body)
        let database: Int, caller: Int, operation: SubscriptionWire.Operation
        var subscription: Subscription?
        var text = ""
        do {
            database = try body.int(in: 0...Int(Int32.max))
            caller = try body.int(in: -1...WebhookLimits.maximumCaller)
            guard let decoded = SubscriptionWire.Operation(rawValue: try body.byte()) else { throw WireError("an unknown database operation") }
            operation = decoded
            switch operation {
            case .insertSubscription: subscription = try SubscriptionWire.decode(&body)
            case .subscriptions, .insertUnique, .deleteUnique: text = try body.string(maximumBytes: SubscriptionWire.maximumIDBytes)
            }
            try body.finish()
        } catch let error as WireError {
            throw CheckFailure("a malformed database call: \(error.message)")
        }
        guard state.withLock({ $0.tables[database] != nil }) else { throw CheckFailure("a call to database \(database), which does not exist") }
        let turn = await simulation.turn(caller: caller)
        let fault = state.withLock { state -> InjectedFault in
            // What the call is about, as the database sees it (a payment's rows, or a unique key),
            // whether it would change anything as the tables stand, and whose it can be.
            let tables = state.tables[database]!
            let payment = subscription?.paymentId ?? (operation == .subscriptions ? text : nil)
            let object = "database \(database): " + (payment.map { "payment \($0)" } ?? "unique key \(text)")
            let changes: Bool
            switch operation {
            case .insertSubscription: changes = true
            case .subscriptions: changes = false
            case .insertUnique: changes = !tables.keys.contains(text)
            case .deleteUnique: changes = tables.keys.contains(text)
            }
            // Whose it is: the deliveries in flight of the payment it names, or, for a unique key,
            // those whose payment or idempotency key the key contains, else every delivery in flight
            // (a key the driver cannot place). Only a payment's subscription row is a delivery's own
            // change; a claim on a key, whatever it changes, spends its reads.
            let open = state.running.filter { !state.ended.contains($0.key) && $0.value.paymentId != nil }
            var owners: Set<Int>
            if let payment {
                owners = Set(open.filter { $0.value.paymentId == payment }.keys)
            } else {
                owners = Set(open.filter { text.contains($0.value.paymentId!) || state.keys[$0.key].map(text.contains) == true }.keys)
                if owners.isEmpty { owners = Set(open.keys) }
            }
            let version = state.versions[object, default: 0]
            let fault = turn.fault(FaultTarget(object: object, effect: changes ? "\(operation.name) \(payment ?? text)" : nil,
                                               version: version, owners: owners, ownChange: operation == .insertSubscription),
                                   operation: operation.name)
            if changes && fault != .beforeEffect { state.versions[object] = version + 1 }
            return fault
        }
        var reply = WireWriter()
        var what: String
        switch operation {
        case .insertSubscription:
            let row = subscription!
            if fault != .beforeEffect {
                let full = state.withLock { state -> Bool in
                    guard state.tables[database]!.rows.count < Self.maximumRows else { return true }
                    state.tables[database]!.rows.append(row)
                    return false
                }
                if full {
                    await turn.done()
                    throw overran("more than \(Self.maximumRows) subscription rows")
                }
            }
            what = "insertSubscription(\(row.id) for \(row.paymentId))"
            if fault == .none { reply.byte(SubscriptionWire.ok) }
        case .subscriptions:
            let rows = state.withLock { $0.tables[database]!.rows.filter { $0.paymentId == text } }
            if rows.count > SubscriptionWire.maximumRows {
                await turn.done()
                throw overran("more than \(SubscriptionWire.maximumRows) rows for payment \(text.prefix(40))")
            }
            what = "subscriptions(paymentId: \(text))"
            if fault == .none {
                what += " → \(rows.count) row\(rows.count == 1 ? "" : "s")"
                reply.byte(SubscriptionWire.ok)
                reply.array(rows) { SubscriptionWire.encode($1, to: &$0) }
            }
        case .insertUnique:
            var inserted = false
            if fault != .beforeEffect {
                let full = state.withLock { $0.tables[database]!.keys.count >= Self.maximumRows }
                if full {
                    await turn.done()
                    throw overran("more than \(Self.maximumRows) unique keys")
                }
                inserted = state.withLock { $0.tables[database]!.keys.insert(text).inserted }
            }
            what = "insertUnique(key: \(text))"
            if fault == .none {
                what += " → \(inserted)"
                reply.byte(SubscriptionWire.ok)
                reply.bool(inserted)
            }
        case .deleteUnique:
            if fault != .beforeEffect { state.withLock { _ = $0.tables[database]!.keys.remove(text) } }
            what = "deleteUnique(key: \(text))"
            if fault == .none { reply.byte(SubscriptionWire.ok) }
        }
        switch fault {
        case .none: break
        case .beforeEffect: what += " → DatabaseUnavailable (not applied)"
        case .afterEffect: what += " → DatabaseUnavailable (applied)"
        }
        state.withLock { state in
            state.databaseCalls[caller, default: 0] += 1
            if state.activity[caller, default: []].count < Self.maximumEvents { state.activity[caller, default: []].append(false) }
        }
        log(caller: caller, what, at: turn.at, about: subscription?.paymentId ?? text)
        await turn.done()
        if fault != .none { reply.byte(SubscriptionWire.unavailable) }
        return reply.bytes
    }

    static func format(_ duration: Duration) -> String {
        let nanos = Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
        return formatDuration(nanos: nanos)
    }
}
