@_spi(GraderWire) import Challenge
import DriverKit
import Synchronization
import Wire

/// The seat store as the checks run it: it lives here, in the driver, and the candidate's
/// `SeatStore` calls reach it over the channel. Its tables are the record of who holds which seat,
/// which the candidate's code cannot touch.
///
/// Each call completes on the ``ServiceSimulation``'s virtual timeline after a latency chosen from
/// the seed and the call (its caller and that caller's call number), and may fail as the
/// ``FaultPlan`` says; every completed call is logged, so a failing check can show the
/// interleaving that broke a rule.
///
/// What a call's fault is decided from is the store's own record (``FaultTarget``): the seat, the
/// holder a write would set, the seat's version, and the reservations it can be charged to: for a
/// change that makes a reservation in flight the holder, that reservation (its own change); for
/// anything else about the seat (a read, a write that can change nothing: a compare-and-set on a
/// version the seat no longer has, a write to a seat the store lacks, a write of a holder no
/// reservation in flight asks for), every reservation of that seat in flight, whose reads it spends.
///
/// Stores are objects of the ``ServiceDirectory``: the calls of a store reach the simulator that
/// holds it, however many simulators the check made.
public final class SeatStoreSimulator: ServiceHandler {
    public let simulation: ServiceSimulation
    private let state = Mutex(State())

    public var seed: UInt64 { simulation.seed }
    public var faults: FaultInjector { simulation.faults }

    /// One completed store call, or one reservation's end.
    public struct Event: Sendable, CustomStringConvertible {
        public enum Kind: Sendable {
            case read(SeatStore.Row?)
            case write(holder: String?)
            case compareAndSet(expectedVersion: Int, holder: String?, applied: Bool)
            case finished(ReservationAnswer)
        }
        public var at: Duration
        public var caller: Int
        /// The user the caller reserves for ("?" for a call from a task the runtime did not start).
        public var user: String
        public var store: Int
        public var seatId: String
        public var kind: Kind
        public var fault: InjectedFault

        public var isWrite: Bool {
            switch kind {
            case .write, .compareAndSet: true
            default: false
            }
        }

        /// Whether the call's effect reached the store.
        public var applied: Bool {
            switch kind {
            case .write: fault != .beforeEffect
            case .compareAndSet(_, _, let applied): applied
            default: false
            }
        }

        public var description: String {
            let prefix = "t=\(at.wholeMilliseconds)ms \(user): "
            let faultNote: String
            switch fault {
            case .none: faultNote = ""
            case .beforeEffect: faultNote = " → StoreTimeout (not applied)"
            case .afterEffect: faultNote = " → StoreTimeout (applied)"
            }
            switch kind {
            case .read(let row):
                guard fault == .none else { return prefix + "read(\(seatId))" + faultNote }
                guard let row else { return prefix + "read(\(seatId)) → nil" }
                return prefix + "read(\(seatId)) → \(row.holder.map { "held by \($0)" } ?? "free"), version \(row.version)"
            case .write(let holder):
                return prefix + "write(\(seatId), holder: \(holder ?? "nil"))" + faultNote
            case .compareAndSet(let expected, let holder, let applied):
                if fault == .beforeEffect { return prefix + "compareAndSet(\(seatId), expectedVersion: \(expected), holder: \(holder ?? "nil"))" + faultNote }
                return prefix + "compareAndSet(\(seatId), expectedVersion: \(expected), holder: \(holder ?? "nil")) → \(applied)" + faultNote
            case .finished(let answer):
                return prefix + "reserveSeat returned \(answer)"
            }
        }
    }

    struct Table {
        var rows: [String: (holder: String?, version: Int)]
        /// Every holder each seat ever had, in order (nil entries omitted).
        var holders: [String: [String]] = [:]
    }

    private struct State {
        var tables: [Int: Table] = [:]
        var events: [Event] = []
        /// The seat and user of each caller of the current round.
        var requested: [Int: (seat: String, user: String)] = [:]
        var answers: [Int: ReservationAnswer] = [:]
    }

    /// Largest number of events kept (the checks' rounds stay far below it).
    static let maximumEvents = 200_000
    /// Holders kept per seat (a correct service writes a seat once; the history shows overwrites).
    static let maximumHolders = 1_000

    public init(seed: UInt64, latencyMilliseconds: ClosedRange<Int> = 1...10, faults: FaultPlan = .healthy) {
        simulation = ServiceSimulation(seed: seed, latencyMilliseconds: latencyMilliseconds, faults: faults)
    }

    /// Adds a store holding `seats` (free, version 0) or the rows given; returns its id.
    public func addStore(seats: [String], held: [String: String] = [:]) -> Int {
        state.withLock { state in
            var table = Table(rows: [:])
            for seat in seats { table.rows[seat] = (held[seat], held[seat] == nil ? 0 : 1) }
            for (seat, holder) in held { table.holders[seat] = [holder] }
            let id = ServiceDirectory.shared.newObject(owner: self)
            state.tables[id] = table
            return id
        }
    }

    /// The store's row for `seatId` now.
    public func row(store: Int, _ seatId: String) -> SeatStore.Row? {
        state.withLock { state in
            state.tables[store]?.rows[seatId].map { SeatStore.Row(seatId: seatId, holder: $0.holder, version: $0.version) }
        }
    }

    /// Every user that ever held `seatId`, in order.
    public func holderHistory(store: Int, _ seatId: String) -> [String] {
        state.withLock { $0.tables[store]?.holders[seatId] ?? [] }
    }

    /// Starts a round of `callers` concurrent reservations: a fresh timeline (virtual time 0) on
    /// which they are the participants.
    func beginRound(_ requests: [ReservationRequest]) -> VirtualTimeline {
        let timeline = simulation.beginRound(participants: requests.count, members: Set(requests.map(\.caller)))
        ServiceDirectory.shared.claim(callers: requests.map(\.caller), owner: self)
        state.withLock { state in
            state.requested = Dictionary(requests.map { ($0.caller, ($0.seatId, $0.userId)) }, uniquingKeysWith: { first, _ in first })
            state.answers = [:]
        }
        return timeline
    }

    /// What each caller of the current round reported, as it finished.
    var reportedAnswers: [Int: ReservationAnswer] { state.withLock { $0.answers } }

    /// Each caller's own path through the round: the sum of its calls' latencies.
    var longestChain: Duration { simulation.longestChain }

    /// Every completed call and finished reservation so far, in virtual-time order.
    public var events: [Event] { state.withLock { $0.events } }

    /// Store calls completed so far.
    public var calls: Int { simulation.calls }

    /// The events on `seats` by `callers` (all callers when nil), at most `limit` of them, as lines.
    public func interleaving(seats: Set<String>, callers: Set<Int>? = nil, limit: Int = 30) -> [String] {
        let relevant = events.filter { seats.contains($0.seatId) && (callers?.contains($0.caller) ?? true) }
        guard relevant.count > limit else { return relevant.map(\.description) }
        return relevant.prefix(limit - 1).map(\.description) + ["… and \(relevant.count - limit + 1) more"]
    }

    // MARK: ServiceHandler

    public func handle(_ call: ServiceCall) async throws -> [UInt8] {
        if call.service == ReserveSeatUsersService.name { return try await finish(call) }
        var body = WireReader(call.body)
        let store: Int, caller: Int, seatId: String, holder: String?, expectedVersion: Int
        let operation: SeatStoreWire.Operation
        do {
            store = try body.int(in: 0...Int(Int32.max))
            caller = try body.int(in: -1...ReserveSeatLimits.maximumCaller)
            guard let decoded = SeatStoreWire.Operation(rawValue: try body.byte()) else { throw WireError("an unknown store operation") }
            operation = decoded
            seatId = try body.string(maximumBytes: SeatStoreWire.maximumIDBytes)
            holder = try body.optionalString(maximumBytes: SeatStoreWire.maximumIDBytes)
            expectedVersion = try body.int()
            try body.finish()
        } catch let error as WireError {
            throw CheckFailure("a malformed seat store call: \(error.message)")
        }
        guard state.withLock({ $0.tables[store] != nil }) else { throw CheckFailure("a call to seat store \(store), which does not exist") }
        let turn = await simulation.turn(caller: caller)
        let at = turn.at
        var reply = WireWriter()
        let fault = state.withLock { state -> InjectedFault in
            var table = state.tables[store]!
            let current = table.rows[seatId]
            // What the call would change as the store stands: a write to a seat it has, a
            // compare-and-set on the seat's version; anything else changes nothing.
            let changes = current != nil && (operation == .write || (operation == .compareAndSet && current!.version == expectedVersion))
            // Whose it is: a change that makes a reservation in flight the holder is that
            // reservation's own; anything else about the seat (a read, a write no reservation asked
            // for) is every reservation of the seat in flight's, and spends only their reads.
            let open = state.requested.filter { state.answers[$0.key] == nil && $0.value.seat == seatId }
            let mine = changes ? open.filter { $0.value.user == holder } : [:]
            let own = !mine.isEmpty
            let fault = turn.fault(FaultTarget(object: "store \(store): seat \(seatId)", effect: changes ? "holder \(holder ?? "nil")" : nil,
                                               version: current?.version ?? 0, owners: Set((own ? mine : open).keys), ownChange: own),
                                   operation: "\(operation)")
            let kind: Event.Kind
            switch operation {
            case .read:
                let row = table.rows[seatId].map { SeatStore.Row(seatId: seatId, holder: $0.holder, version: $0.version) }
                kind = .read(row)
                if fault == .none {
                    reply.byte(SeatStoreWire.ok)
                    reply.bool(row != nil)
                    if let row {
                        reply.optionalString(row.holder)
                        reply.int(row.version)
                    }
                }
            case .write:
                if fault != .beforeEffect, let row = table.rows[seatId] {
                    table.rows[seatId] = (holder, row.version + 1)
                    if let holder, table.holders[seatId, default: []].count < Self.maximumHolders { table.holders[seatId, default: []].append(holder) }
                }
                kind = .write(holder: holder)
                if fault == .none { reply.byte(SeatStoreWire.ok) }
            case .compareAndSet:
                var applied = false
                if fault != .beforeEffect, let row = table.rows[seatId], row.version == expectedVersion {
                    table.rows[seatId] = (holder, row.version + 1)
                    if let holder, table.holders[seatId, default: []].count < Self.maximumHolders { table.holders[seatId, default: []].append(holder) }
                    applied = true
                }
                kind = .compareAndSet(expectedVersion: expectedVersion, holder: holder, applied: applied)
                if fault == .none {
                    reply.byte(SeatStoreWire.ok)
                    reply.bool(applied)
                }
            }
            state.tables[store] = table
            if state.events.count < Self.maximumEvents {
                let user = state.requested[caller]?.user ?? (caller < 0 ? "a task the runtime did not start" : "caller \(caller)")
                state.events.append(Event(at: at, caller: caller, user: user, store: store, seatId: seatId, kind: kind, fault: fault))
            }
            return fault
        }
        await turn.done()
        if fault != .none { reply.byte(SeatStoreWire.timedOut) }
        return reply.bytes
    }

    /// A reservation of the current round ended: record its answer; the caller takes no more turns.
    private func finish(_ call: ServiceCall) async throws -> [UInt8] {
        var body = WireReader(call.body)
        let caller: Int, answer: ReservationAnswer
        do {
            caller = try body.int(in: 0...ReserveSeatLimits.maximumCaller)
            answer = try ReservationAnswer(from: &body)
            try body.finish()
        } catch let error as WireError {
            throw CheckFailure("a malformed reservation report: \(error.message)")
        }
        let requested: (seat: String, user: String)? = state.withLock { state in
            guard let requested = state.requested[caller], state.answers[caller] == nil else { return nil }
            state.answers[caller] = answer
            return requested
        }
        guard let requested else { throw CheckFailure("a report for reservation \(caller), which is not running") }
        let at = await simulation.timeline.now
        state.withLock { state in
            if state.events.count < Self.maximumEvents {
                state.events.append(Event(at: at, caller: caller, user: requested.user, store: 0, seatId: requested.seat,
                                          kind: .finished(answer), fault: .none))
            }
        }
        simulation.finish(caller: caller)
        return []
    }
}
