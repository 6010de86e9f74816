import Challenge
import Foundation

/// Known bad: the reference plus a statistics counter, `reservationsMade`, a plain stored `var`
/// bumped by every successful reservation. The class is declared `@unchecked Sendable` to silence
/// the compiler, but reservations run on several threads at once and `reservationsMade += 1` is an
/// unsynchronised read-modify-write: a data race (lost increments; undefined behaviour). It is an
/// `Int`, so nothing crashes and no answer is wrong: only ThreadSanitizer sees it. Breaks rule 5
/// (shared state must be safe under concurrency) and the README's "`@unchecked Sendable` with your
/// own locking".
final class SeatReservationService: @unchecked Sendable {
    /// Timeouts tolerated in one reservation before answering `.storeUnavailable`.
    static let maximumTimeouts = 6
    /// Read-and-claim rounds before giving up (a claim only fails when someone else wrote).
    static let maximumRounds = 8

    private let store: SeatStore
    /// Successful reservations served by this instance, for the dashboard.
    private(set) var reservationsMade = 0

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
            if row.holder == userId { return reserved(seatId, for: userId) }
            if row.holder != nil { throw ReservationError.seatTaken(seatId) }
            do {
                if try await store.compareAndSet(seatId, expectedVersion: row.version, holder: userId) {
                    return reserved(seatId, for: userId)
                }
                // Someone wrote the seat since our read: read again to learn who holds it.
            } catch is StoreTimeout {
                // The claim may or may not have landed: the next read tells.
                try timedOut()
            }
        }
        throw ReservationError.storeUnavailable
    }

    private func reserved(_ seatId: String, for userId: String) -> SeatReservation {
        reservationsMade += 1
        return SeatReservation(seatId: seatId, userId: userId, timestamp: Date())
    }
}
