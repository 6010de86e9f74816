import Challenge
import Foundation

/// Known bad: the reference, except that a user who already holds the seat is not answered at
/// once: the service claims the seat again with a second compare-and-set (refreshing the row) and
/// answers after it. The answer is right and the holder does not change, but every re-reservation
/// writes to the store again, and five clicks at once by the holder make five more writes. Breaks
/// rule 4 (reserving a seat you already hold succeeds again without writing to the store again).
final class SeatReservationService: Sendable {
    /// Timeouts tolerated in one reservation before answering `.storeUnavailable`.
    static let maximumTimeouts = 6
    /// Read-and-claim rounds before giving up (a claim only fails when someone else wrote).
    static let maximumRounds = 8

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
        for _ in 0..<Self.maximumRounds {
            let row: SeatStore.Row?
            do {
                row = try await store.read(seatId)
            } catch is StoreTimeout {
                try timedOut()
                continue
            }
            guard let row else { throw ReservationError.seatNotFound(seatId) }
            if let holder = row.holder, holder != userId { throw ReservationError.seatTaken(seatId) }
            // Free, or already ours: claim it in the store so the answer is confirmed by a write.
            do {
                if try await store.compareAndSet(seatId, expectedVersion: row.version, holder: userId) {
                    return SeatReservation(seatId: seatId, userId: userId, timestamp: Date())
                }
                // Someone wrote the seat since our read: read again to learn who holds it.
            } catch is StoreTimeout {
                // The claim may or may not have landed: the next read tells.
                try timedOut()
            }
        }
        throw ReservationError.storeUnavailable
    }
}
