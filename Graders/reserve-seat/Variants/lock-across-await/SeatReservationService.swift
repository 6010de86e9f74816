import Challenge
import Foundation

/// Known bad: one `NSLock` held across the store calls (`lock()`, `defer { unlock() }`, then
/// `await` read and compare-and-set), to make the read and the claim one critical section. A
/// thread of the cooperative pool blocks in `lock()` while the holder of the lock is suspended
/// at an `await` and needs a pool thread to resume: with a few concurrent reservations every
/// pool thread is blocked and the process deadlocks. Even without the deadlock, users of
/// different seats would wait for one another. Breaks rule 5 (no blocking across `await`; users
/// of different seats must not wait for one another).
final class SeatReservationService: @unchecked Sendable {
    /// Timeouts tolerated in one reservation before answering `.storeUnavailable`.
    private static let maximumTimeouts = 6
    /// Read-and-claim rounds before giving up.
    private static let maximumRounds = 8

    private let store: SeatStore
    private let lock = NSLock()

    init(store: SeatStore) {
        self.store = store
    }

    func reserveSeat(seatId: String, userId: String) async throws -> SeatReservation {
        lock.lock()
        defer { lock.unlock() }
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
            } catch is StoreTimeout {
                try timedOut()
            }
        }
        throw ReservationError.storeUnavailable
    }
}
