import Challenge
import Foundation

/// The reference: the store is the only record of who holds a seat, and a seat is claimed with
/// compare-and-set on the version read, so two users can never both claim it. A timed-out call
/// is retried; after a timed-out compare-and-set the seat is read again, because the write may
/// have landed. No state of its own, so nothing to lock.
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
            if row.holder == userId { return SeatReservation(seatId: seatId, userId: userId, timestamp: Date()) }
            if row.holder != nil { throw ReservationError.seatTaken(seatId) }
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
