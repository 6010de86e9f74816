import Challenge
import Foundation

/// Known bad: the reference's read and compare-and-set, but a timed-out call is retried for as
/// long as it takes. Transient timeouts are handled, yet a store that stays down is never given
/// up on: `reserveSeat` neither returns nor throws, and the caller hangs. Breaks the failure model
/// ("retries must be bounded: when the store keeps timing out, throw `.storeUnavailable`").
final class SeatReservationService: Sendable {
    private let store: SeatStore

    init(store: SeatStore) {
        self.store = store
    }

    func reserveSeat(seatId: String, userId: String) async throws -> SeatReservation {
        while true {
            let row: SeatStore.Row?
            do {
                row = try await store.read(seatId)
            } catch is StoreTimeout {
                // Transient: the store will answer again.
                continue
            }
            guard let row else { throw ReservationError.seatNotFound(seatId) }
            if row.holder == userId { return SeatReservation(seatId: seatId, userId: userId, timestamp: Date()) }
            if row.holder != nil { throw ReservationError.seatTaken(seatId) }
            do {
                if try await store.compareAndSet(seatId, expectedVersion: row.version, holder: userId) {
                    return SeatReservation(seatId: seatId, userId: userId, timestamp: Date())
                }
                // Someone wrote the seat since our read: read again to learn who holds it.
            } catch is StoreTimeout {
                // The claim may or may not have landed: the next read tells.
            }
        }
    }
}
