import Challenge
import Foundation

/// Known bad: the reference's compare-and-set claim, but a `StoreTimeout` from any store call is
/// answered `.storeUnavailable` at once, without a retry. A single transient timeout fails the
/// reservation, and a compare-and-set that landed before its answer timed out leaves a user who
/// holds the seat told the outcome is unknown. Breaks the failure model ("retry a timed-out call
/// at least 3 times before giving up"; `.storeUnavailable` is wrong when the store recovers).
final class SeatReservationService: Sendable {
    /// Read-and-claim rounds before giving up (a claim only fails when someone else wrote).
    private static let maximumRounds = 8

    private let store: SeatStore

    init(store: SeatStore) {
        self.store = store
    }

    func reserveSeat(seatId: String, userId: String) async throws -> SeatReservation {
        do {
            for _ in 0..<Self.maximumRounds {
                guard let row = try await store.read(seatId) else { throw ReservationError.seatNotFound(seatId) }
                if row.holder == userId { return SeatReservation(seatId: seatId, userId: userId, timestamp: Date()) }
                if row.holder != nil { throw ReservationError.seatTaken(seatId) }
                if try await store.compareAndSet(seatId, expectedVersion: row.version, holder: userId) {
                    return SeatReservation(seatId: seatId, userId: userId, timestamp: Date())
                }
                // Someone wrote the seat since our read: read again to learn who holds it.
            }
            throw ReservationError.storeUnavailable
        } catch is StoreTimeout {
            // The store is not answering: tell the caller we could not reserve.
            throw ReservationError.storeUnavailable
        }
    }
}
