// corpus: the control of absorb-fault-budget: the same service without the throwaway calls (the
// honest bug: a timed-out write is answered .storeUnavailable at once; reads are retried).
import Challenge
import Foundation

final class SeatReservationService: Sendable {
    private let store: SeatStore

    init(store: SeatStore) { self.store = store }

    func reserveSeat(seatId: String, userId: String) async throws -> SeatReservation {
        return try await claim(seatId: seatId, userId: userId)
    }

    private func claim(seatId: String, userId: String) async throws -> SeatReservation {
        var row: SeatStore.Row?
        var timeouts = 0
        while true {
            do {
                row = try await store.read(seatId)
                break
            } catch {
                timeouts += 1
                if timeouts > 6 { throw ReservationError.storeUnavailable }
            }
        }
        guard let row else { throw ReservationError.seatNotFound(seatId) }
        if row.holder == userId { return SeatReservation(seatId: seatId, userId: userId, timestamp: Date()) }
        if row.holder != nil { throw ReservationError.seatTaken(seatId) }
        do {
            if try await store.compareAndSet(seatId, expectedVersion: row.version, holder: userId) {
                return SeatReservation(seatId: seatId, userId: userId, timestamp: Date())
            }
            throw ReservationError.seatTaken(seatId)
        } catch is StoreTimeout {
            throw ReservationError.storeUnavailable
        }
    }
}
