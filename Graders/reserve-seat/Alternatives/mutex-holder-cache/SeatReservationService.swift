import Challenge
import Foundation
import Synchronization

/// A class with a lock around its own knowledge (holders the store has confirmed; a seat is never
/// freed, so a confirmed holder stays true) and compare-and-set in the store for the claim.
final class SeatReservationService: Sendable {
    private let store: SeatStore
    private let confirmed = Mutex<[String: String]>([:])
    private static let attempts = 4

    init(store: SeatStore) {
        self.store = store
    }

    func reserveSeat(seatId: String, userId: String) async throws -> SeatReservation {
        if let holder = confirmed.withLock({ $0[seatId] }) {
            guard holder == userId else { throw ReservationError.seatTaken(seatId) }
            return SeatReservation(seatId: seatId, userId: userId, timestamp: Date())
        }
        for _ in 0..<12 {
            guard let row = try await retrying({ try await self.store.read(seatId) }) else {
                throw ReservationError.seatNotFound(seatId)
            }
            if let holder = row.holder {
                confirmed.withLock { $0[seatId] = holder }
                guard holder == userId else { throw ReservationError.seatTaken(seatId) }
                return SeatReservation(seatId: seatId, userId: userId, timestamp: Date())
            }
            // A timed-out claim is not retried blindly: the next read says whether it landed.
            if (try? await store.compareAndSet(seatId, expectedVersion: row.version, holder: userId)) == true {
                confirmed.withLock { $0[seatId] = userId }
                return SeatReservation(seatId: seatId, userId: userId, timestamp: Date())
            }
        }
        throw ReservationError.storeUnavailable
    }

    /// Runs a read, retrying timeouts up to `attempts` times in all.
    private func retrying<T>(_ call: () async throws -> T) async throws -> T {
        for _ in 1..<Self.attempts {
            do { return try await call() } catch is StoreTimeout { continue }
        }
        do { return try await call() } catch is StoreTimeout { throw ReservationError.storeUnavailable }
    }
}
