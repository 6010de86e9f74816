import Challenge
import Foundation

/// Serialises reservations per seat in the service (each seat's requests wait for the previous
/// one's task), and still claims with compare-and-set, so several instances stay correct. Users
/// of different seats never wait for one another.
actor SeatReservationService {
    private let store: SeatStore
    private var lastRequest: [String: Task<Void, Never>] = [:]

    init(store: SeatStore) {
        self.store = store
    }

    func reserveSeat(seatId: String, userId: String) async throws -> SeatReservation {
        let previous = lastRequest[seatId]
        let mine = Task<SeatReservation, Error> { [store] in
            await previous?.value
            return try await Self.claim(seatId, for: userId, in: store)
        }
        lastRequest[seatId] = Task { _ = await mine.result }
        return try await mine.value
    }

    private static func claim(_ seatId: String, for userId: String, in store: SeatStore) async throws -> SeatReservation {
        var timeouts = 0
        while timeouts <= 6 {
            do {
                guard let row = try await store.read(seatId) else { throw ReservationError.seatNotFound(seatId) }
                if row.holder == userId { return SeatReservation(seatId: seatId, userId: userId, timestamp: Date()) }
                if row.holder != nil { throw ReservationError.seatTaken(seatId) }
                if try await store.compareAndSet(seatId, expectedVersion: row.version, holder: userId) {
                    return SeatReservation(seatId: seatId, userId: userId, timestamp: Date())
                }
            } catch is StoreTimeout {
                timeouts += 1
            }
        }
        throw ReservationError.storeUnavailable
    }
}
