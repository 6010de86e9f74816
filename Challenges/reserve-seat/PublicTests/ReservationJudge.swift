import DriverKit

/// The rules of the README, judged on a round's answers against the store's record (the
/// simulator's tables, which the candidate's code cannot touch).
public struct ReservationJudge: Sendable {
    /// One broken rule: its message, and the seat and users whose operations show it.
    public struct Violation: Sendable {
        public var message: String
        public var seat: String
        public var callers: Set<Int>
    }

    /// Why a round may not answer `.storeUnavailable` (a store that stays down is judged by its own check).
    public enum Unavailability: Sendable {
        case notAllowed(because: String)
    }

    public let simulator: SeatStoreSimulator
    public let store: Int
    public let unavailability: Unavailability
    /// For a check of several rounds: the check's seed (what `--seed` replays) and this round.
    public let checkRound: (checkSeed: UInt64, index: Int)?

    public init(simulator: SeatStoreSimulator, store: Int, unavailability: Unavailability,
                round: (checkSeed: UInt64, index: Int)? = nil) {
        self.simulator = simulator
        self.store = store
        self.unavailability = unavailability
        checkRound = round
    }

    public func violations(in round: ReservationRound) -> [Violation] {
        var found: [Violation] = []
        var successes: [String: [(caller: Int, user: String)]] = [:]
        for (request, answer) in zip(round.requests, round.answers) {
            let seat = request.seatId, user = request.userId
            let holder = simulator.row(store: store, seat)?.holder
            func broken(_ message: String) { found.append(Violation(message: message, seat: seat, callers: [request.caller])) }
            switch answer {
            case .reserved(let returnedSeat, let returnedUser):
                if returnedSeat != seat || returnedUser != user {
                    broken("\(user) asked for \(seat) and got a reservation of \(returnedSeat) for \(returnedUser)")
                }
                successes[seat, default: []].append((request.caller, user))
                if holder != user {
                    broken("\(user) was told they have \(seat), but the store's holder of \(seat) is \(holder ?? "nobody (free)")")
                }
            case .seatTaken(let named):
                if holder == nil || holder == user {
                    broken("\(user) was told \(seat) is taken, but the store's holder of \(seat) is \(holder ?? "nobody (free)")")
                } else if named != seat {
                    broken("\(user) asked for \(seat) and was told .seatTaken(\"\(named)\")")
                }
            case .seatNotFound(let named):
                if simulator.row(store: store, seat) != nil {
                    broken("\(user) was told \(seat) does not exist, but the store has it")
                } else if named != seat {
                    broken("\(user) asked for \(seat) and was told .seatNotFound(\"\(named)\")")
                }
            case .storeUnavailable:
                if case .notAllowed(let reason) = unavailability {
                    broken("\(user) was told .storeUnavailable for \(seat), but \(reason)")
                }
            case .storeTimeout:
                broken("reserveSeat for \(user) threw the store's StoreTimeout instead of retrying or answering .storeUnavailable")
            case .otherError(let message):
                broken("reserveSeat for \(user) threw an error of no contract: \(message)")
            }
        }
        for (seat, winners) in successes.sorted(by: { $0.key < $1.key }) where Set(winners.map(\.user)).count > 1 {
            let attempts = round.requests.filter { $0.seatId == seat }.count
            found.insert(Violation(
                message: "\(Set(winners.map(\.user)).count) of \(attempts) concurrent reservations succeeded for seat \(seat); expected exactly 1",
                seat: seat, callers: Set(winners.prefix(3).map(\.caller))), at: 0)
        }
        for seat in Set(round.requests.map(\.seatId)).sorted() {
            let history = simulator.holderHistory(store: store, seat)
            var distinct: [String] = []
            for holder in history where distinct.last != holder { distinct.append(holder) }
            if distinct.count > 1 {
                let callers = Set(round.requests.filter { distinct.contains($0.userId) && $0.seatId == seat }.map(\.caller))
                found.append(Violation(
                    message: "the store's holder of \(seat) was overwritten: \(distinct.prefix(4).joined(separator: ", then "))"
                        + (distinct.count > 4 ? ", …" : "") + " (a write over a seat someone held: double booking)",
                    seat: seat, callers: callers))
            }
        }
        return found
    }

    /// Fails the check if a rule broke: the first violation's message, and as evidence the seed,
    /// the fault plan and the interleaving of the users involved, in virtual-time order.
    public func require(_ round: ReservationRound, _ context: CheckContext, what: String) throws {
        let violations = violations(in: round)
        guard let first = violations.first else { return }
        if let checkRound {
            context.note("seed \(hex(checkRound.checkSeed)), round \(checkRound.index + 1) (its seed \(hex(simulator.seed))): replay this check with --seed \(hex(checkRound.checkSeed))")
        } else {
            context.note("seed \(hex(simulator.seed)) (replay this check with --seed \(hex(simulator.seed)))")
        }
        context.note("faults: \(simulator.faults.plan)")
        context.note("round: \(round.summary)")
        if violations.count > 1 { context.note("\(violations.count) rules broken in all; the first:") }
        context.note("interleaving on \(first.seat) of the users involved" + (first.callers.count == 3 ? " (the first three)" : "") + ":")
        for line in simulator.interleaving(seats: [first.seat], callers: first.callers, limit: 28) { context.note("  " + line) }
        throw CheckFailure("\(what): \(first.message)"
            + (violations.count > 1 ? " (and \(counted(violations.count - 1, "more broken rule"))" : ""))
    }
}

