@_spi(GraderWire) import Challenge
import DriverKit
import Synchronization
import Wire

/// The candidate's `SeatReservationService`, created in the subject on a store that lives in a
/// ``SeatStoreSimulator`` here, and driven from here.
public final class RemoteSeatReservationService: Sendable {
    public let id: Int
    public let store: Int
    public let simulator: SeatStoreSimulator
    let subject: SubjectConnection

    private init(id: Int, store: Int, simulator: SeatStoreSimulator, subject: SubjectConnection) {
        self.id = id
        self.store = store
        self.simulator = simulator
        self.subject = subject
    }

    /// Creates `SeatReservationService(store:)` in the subject (`on`, else the check's first) on
    /// `store` of `simulator`, which then serves that subject's store calls.
    public static func make(_ context: CheckContext, simulator: SeatStoreSimulator, store: Int,
                            on subject: SubjectConnection? = nil) async throws -> RemoteSeatReservationService {
        let subject = subject ?? context.subject
        subject.serve(SeatStoreWire.service, with: ServiceDirectory.shared.router(.object))
        subject.serve(ReserveSeatUsersService.name, with: ServiceDirectory.shared.router(.caller))
        let id = ServiceIDs.next.add(1, ordering: .relaxed).newValue
        let answer = try await subject.request(ReserveSeatOperationName.create, describing: "SeatReservationService(store:)") {
            $0.int(id)
            $0.int(store)
        }
        guard answer.isAtEnd else { throw SubjectError.malformed("the answer to SeatReservationService(store:) has unexpected bytes") }
        return RemoteSeatReservationService(id: id, store: store, simulator: simulator, subject: subject)
    }

    /// `count` instances of the service on one store, as separate servers run them: each in a
    /// subject process of its own (started on first need and kept for the check's later rounds),
    /// so nothing the candidate's code keeps in process memory is shared between them; only the
    /// store, which lives here, is.
    public static func servers(_ context: CheckContext, count: Int, simulator: SeatStoreSimulator,
                               store: Int) async throws -> [RemoteSeatReservationService] {
        var services: [RemoteSeatReservationService] = []
        for index in 0..<count {
            let running = context.subjects
            let subject = index < running.count ? running[index] : try await context.startSubject()
            services.append(try await make(context, simulator: simulator, store: store, on: subject))
        }
        return services
    }

    /// Runs `requests` at once (each its own task in the subject) and waits for every answer.
    /// With `others` (instances on the same simulator, each in its own subject: ``servers(_:count:simulator:store:)``),
    /// the requests are dealt round-robin to this service and them, and all run in one round, as
    /// users of several servers would.
    public func reserveAll(_ requests: [ReservationRequest], alongside others: [RemoteSeatReservationService] = []) async throws -> ReservationRound {
        let services = [self] + others
        let timeline = simulator.beginRound(requests)
        let callsBefore = simulator.calls
        var answers = [ReservationAnswer?](repeating: nil, count: requests.count)
        var startedAtFirstFinish = 0
        try await withThrowingTaskGroup(of: (indices: [Int], started: Int, answers: [ReservationAnswer]).self) { group in
            for (position, service) in services.enumerated() {
                let indices = Array(stride(from: position, to: requests.count, by: services.count))
                guard !indices.isEmpty else { continue }
                group.addTask {
                    let (started, answers) = try await service.send(indices.map { requests[$0] })
                    return (indices, started, answers)
                }
            }
            for try await share in group {
                startedAtFirstFinish = max(startedAtFirstFinish, share.started)
                for (index, answer) in zip(share.indices, share.answers) { answers[index] = answer }
            }
        }
        let all = answers.map { $0! }
        // Each answer was also reported the moment it was known; the two must agree.
        let reported = simulator.reportedAnswers
        for (request, answer) in zip(requests, all) where reported[request.caller] != answer {
            throw SubjectError.malformed("reservation \(request.caller) was reported as \(reported[request.caller].map(\.description) ?? "nothing") and answered as \(answer)")
        }
        return ReservationRound(
            requests: requests, answers: all, startedAtFirstFinish: startedAtFirstFinish,
            maximumWaiting: await timeline.maximumWaiting, makespan: await timeline.elapsed,
            longestChain: simulator.longestChain, settledCompletions: await timeline.settledCompletions,
            calls: simulator.calls - callsBefore)
    }

    /// Sends one `reserve-all` request to this service; answers its own count and answers.
    private func send(_ requests: [ReservationRequest]) async throws -> (Int, [ReservationAnswer]) {
        let what = requests.count == 1
            ? "reserveSeat(seatId: \"\(requests[0].seatId)\", userId: \"\(requests[0].userId)\")"
            : "\(requests.count) concurrent reserveSeat calls"
        var answer = try await subject.request(ReserveSeatOperationName.reserveAll, describing: what) { writer in
            writer.int(self.id)
            writer.array(requests) { $1.encode(to: &$0) }
        }
        do {
            let started = try answer.int(in: 0...requests.count)
            let answers = try answer.array(maximum: requests.count) { try ReservationAnswer(from: &$0) }
            try answer.finish()
            guard answers.count == requests.count else { throw WireError("\(answers.count) answers to \(requests.count) reservations") }
            return (started, answers)
        } catch let error as WireError {
            throw SubjectError.malformed("the answer to \(what): \(error.message)")
        }
    }

    /// One user's reservation, alone.
    public func reserve(_ seatId: String, for userId: String, caller: Int) async throws -> ReservationAnswer {
        try await reserveAll([ReservationRequest(caller: caller, seatId: seatId, userId: userId)]).answers[0]
    }
}

/// One round of concurrent reservations: what each returned, and what the timeline saw.
public struct ReservationRound: Sendable {
    public var requests: [ReservationRequest]
    public var answers: [ReservationAnswer]
    /// How many reservations had started in the subject when the first one finished (its own report).
    public var startedAtFirstFinish: Int
    /// The most store calls waiting at once (seen here).
    public var maximumWaiting: Int
    /// Virtual time from the round's start to its last completed call.
    public var makespan: Duration
    /// The longest sum of one caller's own call latencies.
    public var longestChain: Duration
    /// Completions that waited for the settle window (the subject waited on something else).
    public var settledCompletions: Int
    public var calls: Int

    /// Whether the round observed concurrency: store calls in flight together, or (the service
    /// serialising them itself) reservations running together.
    public var overlapped: Bool { maximumWaiting >= 2 || startedAtFirstFinish >= 2 }

    /// "1000 reservations, 2,998 store calls, at most 1000 in flight at once, 41 ms virtual".
    public var summary: String {
        counted(requests.count, "reservation") + ", " + counted(calls, "store call")
            + ", at most \(maximumWaiting) in flight at once, \(startedAtFirstFinish) started before the first finished, "
            + "\(makespan.wholeMilliseconds) ms of virtual time"
            + (settledCompletions > 0 ? ", " + counted(settledCompletions, "call") + " completed after the subject went quiet" : "")
    }
}

/// A concurrent round is never passed without concurrency (SPEC §3): if no two reservations ran at
/// once, in the driver's view or the subject's, the check fails (the subject's runtime starts them
/// all before any can finish, so only a tampered runtime gets here; failing, not "not assessed",
/// leaves it nothing to gain).
public func requireOverlap(_ round: ReservationRound) throws {
    try require(round.overlapped, "the \(round.requests.count) reservations never ran at the same time (\(round.summary)): the check could not observe any concurrency")
}

/// Service ids, unique within the driver (one check per process).
enum ServiceIDs {
    static let next = Atomic<Int>(0)
}

/// Builds requests for `users` on seats, numbering callers from `firstCaller`; user ids are "u<caller>".
public func reservationRequests(seats: [String], firstCaller: Int = 0) -> [ReservationRequest] {
    seats.enumerated().map { index, seat in
        ReservationRequest(caller: firstCaller + index, seatId: seat, userId: "u\(firstCaller + index)")
    }
}
