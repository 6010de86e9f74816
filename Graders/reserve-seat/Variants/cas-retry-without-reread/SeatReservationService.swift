import Challenge
import Foundation

/// Known bad: a timed-out compare-and-set is retried as is (same `expectedVersion`), and a retry
/// that answers `false` is taken to mean someone else got the seat. But a timed-out
/// compare-and-set may have landed: then the seat's version has moved on because of this very
/// user, the retry answers `false`, and a user who holds the seat in the store is told
/// `.seatTaken`. Breaks the failure model (after a timed-out write, read the seat again) and rule 1
/// (a user told `.seatTaken` does not hold the seat).
final class SeatReservationService: Sendable {
    /// Attempts of one store call before answering `.storeUnavailable`.
    private static let maximumAttempts = 4

    private let store: SeatStore

    init(store: SeatStore) {
        self.store = store
    }

    func reserveSeat(seatId: String, userId: String) async throws -> SeatReservation {
        guard let row = try await retrying({ try await self.store.read(seatId) }) else {
            throw ReservationError.seatNotFound(seatId)
        }
        if row.holder == userId { return SeatReservation(seatId: seatId, userId: userId, timestamp: Date()) }
        if row.holder != nil { throw ReservationError.seatTaken(seatId) }
        let claimed = try await retrying {
            try await self.store.compareAndSet(seatId, expectedVersion: row.version, holder: userId)
        }
        guard claimed else { throw ReservationError.seatTaken(seatId) }
        return SeatReservation(seatId: seatId, userId: userId, timestamp: Date())
    }

    /// Runs a store call, retrying it when it times out, at most `maximumAttempts` times in all.
    private func retrying<T>(_ call: () async throws -> T) async throws -> T {
        for _ in 1..<Self.maximumAttempts {
            do { return try await call() } catch is StoreTimeout { continue }
        }
        do { return try await call() } catch is StoreTimeout { throw ReservationError.storeUnavailable }
    }
}
