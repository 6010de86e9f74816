import DriverKit

/// One user at a time: the contract's answers, the store as the record, idempotent
/// re-reservation, and a store that stays down. Each user's calls complete at once (no other
/// caller), so these checks are deterministic whatever the seed.
public enum ReserveSeatSequentialChecks {
    public static func checks() -> [Check] {
        [
            Check("reserves-free-seat") { context in
                try await reservesFreeSeat(context, seed: context.seed(default: reservesFreeSeatSeed))
            },
            Check("respects-existing-holder") { context in
                let simulator = SeatStoreSimulator(seed: context.seed(default: 0x12))
                let store = simulator.addStore(seats: ["C3", "C4"], held: ["C3": "earlier-user"])
                let service = try await RemoteSeatReservationService.make(context, simulator: simulator, store: store)
                let answer = try await service.reserve("C3", for: "ben", caller: 0)
                try requireEqual(answer, .seatTaken("C3"), "reserveSeat(seatId: \"C3\", userId: \"ben\") on a seat the store says earlier-user holds")
                let row = simulator.row(store: store, "C3")
                try require(row?.holder == "earlier-user" && row?.version == 1,
                            "after ben's attempt the store's row of C3 is holder \(row?.holder ?? "nil"), version \(row?.version ?? -1); expected it untouched (earlier-user, version 1)")
            },
            Check("seat-taken-and-unknown-seat") { context in
                let (simulator, store, service) = try await setUp(context, seats: ["D1"], seed: 0x13)
                _ = try await service.reserve("D1", for: "cleo", caller: 0)
                let taken = try await service.reserve("D1", for: "dan", caller: 1)
                try requireEqual(taken, .seatTaken("D1"), "reserveSeat(seatId: \"D1\", userId: \"dan\") after cleo reserved D1")
                let unknown = try await service.reserve("Q42", for: "eve", caller: 2)
                try requireEqual(unknown, .seatNotFound("Q42"), "reserveSeat(seatId: \"Q42\", …) on a seat the store does not have")
                let holder = simulator.row(store: store, "D1")?.holder
                try require(holder == "cleo", "after cleo reserved D1 and dan tried, the store's holder of D1 is \(holder ?? "nobody"); expected cleo")
            },
            Check("re-reservation-is-idempotent") { context in
                let (simulator, store, service) = try await setUp(context, seats: ["E5", "E6"], seed: 0x14)
                try requireEqual(try await service.reserve("E5", for: "fay", caller: 0), .reserved(seatId: "E5", userId: "fay"),
                                 "fay's first reserveSeat of E5")
                let writesBefore = simulator.events.filter(\.applied).count
                let again = try await service.reserve("E5", for: "fay", caller: 1)
                try requireEqual(again, .reserved(seatId: "E5", userId: "fay"), "fay reserving E5 again, which she holds")
                let writes = simulator.events.filter(\.applied).count - writesBefore
                try require(writes == 0, "reserving a seat fay already holds wrote the store \(writes) more time(s); expected no second write (\(simulator.interleaving(seats: ["E5"], callers: [1]).joined(separator: "; ")))")
                // The same user clicking five times at once: every click succeeds, one holder.
                let clicks = try await service.reserveAll((2..<7).map { ReservationRequest(caller: $0, seatId: "E5", userId: "fay") })
                try require(clicks.answers.allSatisfy { $0 == .reserved(seatId: "E5", userId: "fay") },
                            "five concurrent reserveSeat calls by fay for E5, which she holds: \(clicks.answers.map(\.description).joined(separator: ", ")); expected success each time")
                try require(simulator.row(store: store, "E5")?.holder == "fay", "after fay's five clicks the store's holder of E5 is \(simulator.row(store: store, "E5")?.holder ?? "nobody"); expected fay")
                // Five clicks at once on a free seat: the same user wins against herself every time.
                let fresh = try await service.reserveAll((7..<12).map { ReservationRequest(caller: $0, seatId: "E6", userId: "gil") })
                if !fresh.answers.allSatisfy({ $0 == .reserved(seatId: "E6", userId: "gil") }) {
                    context.note("interleaving on E6:")
                    for line in simulator.interleaving(seats: ["E6"]) { context.note("  " + line) }
                }
                try require(fresh.answers.allSatisfy { $0 == .reserved(seatId: "E6", userId: "gil") },
                            "five concurrent reserveSeat calls by gil for the free seat E6: \(fresh.answers.map(\.description).joined(separator: ", ")); expected success each time (gil holds E6, so no click is told it is taken)")
            },
            Check("store-down-gives-store-unavailable") { context in
                try await rehearseAlone(context)
                context.enterPhase("faulted")
                let simulator = SeatStoreSimulator(seed: context.seed(default: 0x15), faults: FaultPlan(down: true))
                let store = simulator.addStore(seats: ["F1", "F2", "F3"])
                let service = try await RemoteSeatReservationService.make(context, simulator: simulator, store: store)
                context.note("faults: \(simulator.faults.plan)")
                // One user after another: a hang here is the retry, not contention.
                for (caller, seat) in ["F1", "F2", "F3"].enumerated() {
                    let round = try await service.reserveAll([ReservationRequest(caller: caller, seatId: seat, userId: "u\(caller)")])
                    try requireEqual(round.answers[0], .storeUnavailable, "reserveSeat(\(seat)) by u\(caller) while every store call times out")
                    context.note("u\(caller): \(round.calls) store calls before .storeUnavailable")
                    try require(round.calls <= 50, "u\(caller) made \(round.calls) store calls before giving up; expected a bounded retry (at most 50)")
                }
                for seat in ["F1", "F2", "F3"] {
                    try require(simulator.row(store: store, seat)?.holder == nil, "\(seat) has a holder although no call reached the store")
                }
            },
        ]
    }
}

/// The default seed of `reserves-free-seat`, whose scenario is every other check's rehearsal.
let reservesFreeSeatSeed: UInt64 = 0x11

/// The scenario of `reserves-free-seat`: one user reserves a free seat, and the store must record
/// them. Every check with a single-threaded rehearsal replays it, exactly (``rehearseAlone(_:)``).
func reservesFreeSeat(_ context: CheckContext, seed: UInt64) async throws {
    let (simulator, store, service) = try await setUp(context, seats: ["B7"], exactSeed: seed)
    let answer = try await service.reserve("B7", for: "ana", caller: 0)
    try requireEqual(answer, .reserved(seatId: "B7", userId: "ana"), "reserveSeat(seatId: \"B7\", userId: \"ana\") on a free seat")
    let row = simulator.row(store: store, "B7")
    try require(row?.holder == "ana", "ana was told they have B7, but the store's holder of B7 is \(row?.holder ?? "nobody"): the store is the system of record")
}

/// A check's single-threaded rehearsal: the scenario of `reserves-free-seat`, replayed exactly, so
/// the subject cannot tell it from that check (``CheckContext/rehearse(as:_:)``). A solution that
/// cannot reserve a free seat fails here, and raises no flag meant for the check's own scenario;
/// one that fails here but passed `reserves-free-seat` is flagged `inconsistent-behaviour`.
func rehearseAlone(_ context: CheckContext) async throws {
    try await context.rehearse(as: "reserves-free-seat") {
        try await reservesFreeSeat(context, seed: reservesFreeSeatSeed)
    }
}

/// A simulator with a store of `seats` and one service on it.
func setUp(_ context: CheckContext, seats: [String], seed: UInt64, faults: FaultPlan = .healthy)
    async throws -> (SeatStoreSimulator, Int, RemoteSeatReservationService) {
    try await setUp(context, seats: seats, exactSeed: context.seed(default: seed), faults: faults)
}

/// The same, under `exactSeed` whatever the check was started with.
func setUp(_ context: CheckContext, seats: [String], exactSeed: UInt64, faults: FaultPlan = .healthy)
    async throws -> (SeatStoreSimulator, Int, RemoteSeatReservationService) {
    let simulator = SeatStoreSimulator(seed: exactSeed, faults: faults)
    let store = simulator.addStore(seats: seats)
    let service = try await RemoteSeatReservationService.make(context, simulator: simulator, store: store)
    return (simulator, store, service)
}
