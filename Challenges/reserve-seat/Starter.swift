// reserve-seat: only one user gets the last seat, even with a thousand concurrent requests.
// Read README.md for the full contract, the rules and the failure model. This starter compiles
// and fails the checks.
import Challenge
import Foundation

final class SeatReservationService: Sendable {
    private let store: SeatStore

    init(store: SeatStore) {
        self.store = store
    }

    /// Reserves `seatId` for `userId`: exactly one user may hold a seat, and the store is the
    /// record of who does.
    func reserveSeat(seatId: String, userId: String) async throws -> SeatReservation {
        // TODO: read the seat, and claim it without letting a concurrent request claim it too.
        throw ReservationError.storeUnavailable
    }
}
