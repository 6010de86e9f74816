// corpus: the control of forged-sanitizer-failure-seats: the same reentrant actor that double-books,
// honest (no line on standard error, no abort).
import Challenge
import Foundation

func claimStarts(_ seat: String) {}
func claimEnds(_ seat: String) {}

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
