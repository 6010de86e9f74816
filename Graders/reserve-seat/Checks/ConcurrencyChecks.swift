import DriverKit

/// Many users at once, the store's completion order chosen by the seed: the bugs that pass a
/// casual test. A read and a write with an `await` between them (an actor's reentrancy, a
/// check-then-act) lets two users both see the seat free; the store then records one of them and
/// both are told success. Several service instances share one store, as several servers would,
/// so a claim held only in one instance's memory is no claim.
///
/// Scheduling is Lincheck's and Porcupine's idea applied to a service: the driver owns every
/// interleaving point (each store call), completes the calls in an order it chooses from a seed,
/// judges the outcome against the store's record, and prints the failing interleaving.
///
/// The instances of a scenario of several servers each run in a subject process of their own
/// (``RemoteSeatReservationService/servers(_:count:simulator:store:)``): a claim kept in process
/// memory, a process-wide table included, is no claim across servers.
public enum ReserveSeatConcurrencyChecks {
    public static func checks() -> [Check] {
        [
            Check("last-seat-storm") { context in
                try await rehearseAlone(context)
                let seed = context.seed(default: 0x31)
                let simulator = SeatStoreSimulator(seed: seed)
                let store = simulator.addStore(seats: ["Z1"])
                context.enterPhase("setup")
                let service = try await RemoteSeatReservationService.make(context, simulator: simulator, store: store)
                context.enterPhase("concurrent")
                let judge = ReservationJudge(simulator: simulator, store: store, unavailability: .notAllowed(because: "no store call timed out"))
                let round = try await service.reserveAll(reservationRequests(seats: Array(repeating: "Z1", count: 1000), firstCaller: 10))
                context.note("seed \(hex(seed)): \(round.summary)")
                try judge.require(round, context, what: "1000 concurrent users on the last seat")
                let successes = round.answers.filter(\.isSuccess).count
                let taken = round.answers.filter { $0 == .seatTaken("Z1") }.count
                try require(successes == 1 && taken == 999,
                            "1000 concurrent users on the last seat: \(successes) succeeded and \(taken) were told .seatTaken; expected exactly 1 and 999")
                try requireOverlap(round)
            },
            Check("many-seats-storm") { context in
                try await rehearseAlone(context)
                let seed = context.seed(default: 0x32)
                for round in 0..<3 {
                    let roundSeed = seed &+ UInt64(round)
                    let simulator = SeatStoreSimulator(seed: roundSeed)
                    let seats = (0..<30).map { "S\($0)" }
                    let store = simulator.addStore(seats: seats)
                    // The first round's servers are made before any thread ran: a failure there is not the threads'.
                    if round == 0 { context.enterPhase("setup") }
                    let services = try await RemoteSeatReservationService.servers(context, count: 2, simulator: simulator, store: store)
                    context.enterPhase("concurrent")
                    let requests = seededRequests(seed: roundSeed, seats: seats, users: 300, firstCaller: 10 + round * 1_000)
                    let result = try await reserveAcross(services, requests)
                    let judge = ReservationJudge(simulator: simulator, store: store, unavailability: .notAllowed(because: "no store call timed out"),
                                                 round: (seed, round))
                    try judge.require(result, context, what: "300 users on 30 seats through two service instances (separate processes, as two servers) sharing one store")
                    let contested = Set(requests.map(\.seatId))
                    let won = Set(zip(requests, result.answers).filter { $0.1.isSuccess }.map(\.0.seatId))
                    try require(won == contested, "\(contested.count - won.count) of \(contested.count) contested seats ended with nobody told success")
                    try requireOverlap(result)
                    context.note("round with seed \(hex(roundSeed)): \(result.summary)")
                }
            },
            Check("serves-users-concurrently") { context in
                try await rehearseAlone(context)
                let seed = context.seed(default: 0x33)
                let simulator = SeatStoreSimulator(seed: seed)
                let seats = (0..<200).map { "T\($0)" }
                let store = simulator.addStore(seats: seats)
                let service = try await RemoteSeatReservationService.make(context, simulator: simulator, store: store)
                let round = try await service.reserveAll(reservationRequests(seats: seats, firstCaller: 10))
                let judge = ReservationJudge(simulator: simulator, store: store, unavailability: .notAllowed(because: "no store call timed out"))
                try judge.require(round, context, what: "200 users on 200 different seats")
                // One reservation of a free seat needs two store calls (a read, a claim), each at
                // most the simulator's longest latency: figures the driver knows, whoever makes the calls.
                let oneReservation = Double(2 * simulator.simulation.latencyMilliseconds.upperBound)
                let ratio = Double(round.makespan.wholeMilliseconds) / oneReservation
                context.note("seed \(hex(seed)): \(round.summary)")
                context.note("virtual time \(round.makespan.wholeMilliseconds) ms for all 200; one reservation alone takes at most \(Int(oneReservation)) ms (two calls of at most \(simulator.simulation.latencyMilliseconds.upperBound) ms): ratio \(formatRatio(ratio)) (the reference: 1.0; limit \(formatRatio(Self.serialisationLimit)))")
                try require(ratio <= Self.serialisationLimit,
                            "200 users on 200 different seats took \(round.makespan.wholeMilliseconds) ms of store time, \(formatRatio(ratio))× what one reservation alone takes at most (\(Int(oneReservation)) ms): reservations of different seats wait for one another")
            },
        ]
    }

    /// Makespan over the longest one reservation can take alone: at most 1 when users are served
    /// at once (the reference); about the number of users when they are served one after another.
    static let serialisationLimit = 4.0
}
