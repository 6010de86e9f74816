import Challenge
import Foundation

/// Known bad: an actor that reads the seat and, when it is free, claims it with the store's
/// last-writer-wins `write(_:holder:)`. The actor is reentrant at every `await`: between the read
/// and the write other reservations of the same seat run, also see it free, and also write, so
/// several users are told success for one seat and the store's holder is overwritten. Breaks rule 1
/// (one holder per seat) and rule 5 (anything read before an `await` may be stale after it);
/// a single user alone, timeouts included, is served correctly.
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
