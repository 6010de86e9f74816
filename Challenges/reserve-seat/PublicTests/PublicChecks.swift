import DriverKit

/// The public checks: what `grader test reserve-seat` runs on your machine, the seed scenario
/// included. The hidden checks go much further (see the README for what they cover).
///
/// Like every check, they run in the grader's driver process: the seat store lives here, each of
/// your `SeatStore` calls travels here and back, and only your answers come back from your code,
/// which runs in a separate, sandboxed process.
public enum ReserveSeatPublicChecks {
    public static func checks() -> [Check] {
        [
            Check("public.reserve-a-free-seat") { context in
                let simulator = SeatStoreSimulator(seed: context.seed(default: 1))
                let store = simulator.addStore(seats: ["A1", "A2"])
                let service = try await RemoteSeatReservationService.make(context, simulator: simulator, store: store)
                let judge = ReservationJudge(simulator: simulator, store: store, unavailability: .notAllowed(because: "no store call timed out"))
                let first = try await service.reserveAll(reservationRequests(seats: ["A1"]))
                try requireEqual(first.answers[0], .reserved(seatId: "A1", userId: "u0"), "reserveSeat(seatId: \"A1\", userId: \"u0\") on a free seat")
                try judge.require(first, context, what: "one user on a free seat")
                let second = try await service.reserveAll([ReservationRequest(caller: 1, seatId: "A1", userId: "u1")])
                try requireEqual(second.answers[0], .seatTaken("A1"), "reserveSeat(seatId: \"A1\", userId: \"u1\") after u0 reserved A1")
                let third = try await service.reserveAll([ReservationRequest(caller: 2, seatId: "Z9", userId: "u2")])
                try requireEqual(third.answers[0], .seatNotFound("Z9"), "reserveSeat(seatId: \"Z9\", …) on a seat the store does not have")
            },
            Check("public.last-seat-1000-users") { context in
                let seed = context.seed(default: 0x5EA7)
                let simulator = SeatStoreSimulator(seed: seed)
                let store = simulator.addStore(seats: ["A1"])
                let service = try await RemoteSeatReservationService.make(context, simulator: simulator, store: store)
                let judge = ReservationJudge(simulator: simulator, store: store, unavailability: .notAllowed(because: "no store call timed out"))
                let round = try await service.reserveAll(reservationRequests(seats: Array(repeating: "A1", count: 1000)))
                context.note("seed \(hex(seed)); \(round.summary)")
                try judge.require(round, context, what: "1000 concurrent users on the last seat")
                let successes = round.answers.filter(\.isSuccess).count
                let taken = round.answers.filter { $0 == .seatTaken("A1") }.count
                try require(successes == 1 && taken == 999,
                            "1000 concurrent users on the last seat: \(successes) succeeded and \(taken) were told .seatTaken; expected exactly 1 and 999")
                try requireOverlap(round)
            },
        ]
    }
}
