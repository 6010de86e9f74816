import Challenge
import Foundation

/// An actor with compare-and-set: the actor protects its own counters, and the store's version
/// check protects the seat across the `await`s where the actor lets other calls in.
actor SeatReservationService {
    private let store: SeatStore
    private var granted = 0
    private var refused = 0

    init(store: SeatStore) {
        self.store = store
    }

    func reserveSeat(seatId: String, userId: String) async throws -> SeatReservation {
        var budget = 5
        while true {
            let row: SeatStore.Row?
            do {
                row = try await store.read(seatId)
            } catch is StoreTimeout {
                budget -= 1
                guard budget >= 0 else { throw ReservationError.storeUnavailable }
                continue
            }
            guard let row else { throw ReservationError.seatNotFound(seatId) }
            switch row.holder {
            case userId?:
                granted += 1
                return SeatReservation(seatId: seatId, userId: userId, timestamp: Date())
            case .some:
                refused += 1
                throw ReservationError.seatTaken(seatId)
            case nil:
                do {
                    if try await store.compareAndSet(seatId, expectedVersion: row.version, holder: userId) {
                        granted += 1
                        return SeatReservation(seatId: seatId, userId: userId, timestamp: Date())
                    }
                } catch is StoreTimeout {
                    budget -= 1
                    guard budget >= 0 else { throw ReservationError.storeUnavailable }
                }
            }
        }
    }
}
