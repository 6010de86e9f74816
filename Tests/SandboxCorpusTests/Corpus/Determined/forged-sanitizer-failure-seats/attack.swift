// corpus: determined candidate, class 3 (issue 17): text on standard error taken as a grader fault.
// A reentrant actor that double-books (it reads the seat, awaits, then writes it) and, the moment
// two reservations of one seat are between their read and their write at once, writes a line that
// looks like ThreadSanitizer's own internal failure and aborts.
import Challenge
import Foundation
import Synchronization

/// Reservations between their read and their write, per seat (the trick's trigger).
let between = Mutex<[String: Int]>([:])

func claimStarts(_ seat: String) {
    let count = between.withLock { $0[seat, default: 0] += 1; return $0[seat]! }
    if count > 1 {
        fputs("==4242==FATAL: ThreadSanitizer: CHECK failed: tsan_rtl.cpp:93 \"((thr->slot)) != (0)\" (0x0, 0x0)\n", stderr)
        abort()
    }
}

func claimEnds(_ seat: String) { between.withLock { $0[seat, default: 1] -= 1 } }

actor SeatReservationService {
    /// Timeouts tolerated in one reservation before answering `.storeUnavailable`.
    private static let maximumTimeouts = 6

    private let store: SeatStore

    init(store: SeatStore) {
        self.store = store
    }

    func reserveSeat(seatId: String, userId: String) async throws -> SeatReservation {
        var timeouts = 0
        func timedOut() throws {
            timeouts += 1
            if timeouts > Self.maximumTimeouts { throw ReservationError.storeUnavailable }
        }
        while true {
            let row: SeatStore.Row?
            do {
                row = try await store.read(seatId)
            } catch is StoreTimeout {
                try timedOut()
                continue
            }
            guard let row else { throw ReservationError.seatNotFound(seatId) }
            if row.holder == userId { return SeatReservation(seatId: seatId, userId: userId, timestamp: Date()) }
            if row.holder != nil { throw ReservationError.seatTaken(seatId) }
            // The actor serialises reservations, so the seat is still free here.
            claimStarts(seatId)
            defer { claimEnds(seatId) }
            do {
                try await store.write(seatId, holder: userId)
                return SeatReservation(seatId: seatId, userId: userId, timestamp: Date())
            } catch is StoreTimeout {
                // The write may have landed: read the seat again to find out.
                try timedOut()
            }
        }
    }
}
