import Challenge
import Foundation
import Synchronization

/// Known bad: reservations live only in a mutex-protected dictionary in the service. The store is
/// read to learn whether the seat exists and whether someone already holds it there, but it is
/// never written: a user told success does not hold the seat in the store, another instance (or a
/// restart) knows nothing of the reservation, and the store keeps saying the seat is free. Breaks
/// rule 1 and rule 2 (a user told success holds the seat in the store; the store is the record).
final class SeatReservationService: Sendable {
    /// Attempts of one read before answering `.storeUnavailable`.
    private static let maximumAttempts = 4

    private let store: SeatStore
    /// Seat → user, for the seats reserved through this service.
    private let reservations = Mutex<[String: String]>([:])

    init(store: SeatStore) {
        self.store = store
    }

    func reserveSeat(seatId: String, userId: String) async throws -> SeatReservation {
        guard let row = try await readSeat(seatId) else { throw ReservationError.seatNotFound(seatId) }
        if let holder = row.holder {
            guard holder == userId else { throw ReservationError.seatTaken(seatId) }
            return SeatReservation(seatId: seatId, userId: userId, timestamp: Date())
        }
        let holder = reservations.withLock { reservations in
            if let holder = reservations[seatId] { return holder }
            reservations[seatId] = userId
            return userId
        }
        guard holder == userId else { throw ReservationError.seatTaken(seatId) }
        return SeatReservation(seatId: seatId, userId: userId, timestamp: Date())
    }

    private func readSeat(_ seatId: String) async throws -> SeatStore.Row? {
        for _ in 1..<Self.maximumAttempts {
            do { return try await store.read(seatId) } catch is StoreTimeout { continue }
        }
        do { return try await store.read(seatId) } catch is StoreTimeout { throw ReservationError.storeUnavailable }
    }
}
