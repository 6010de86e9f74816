// corpus: the control of static-table-across-instances: the same service with a table per instance
// (the honest bug: two instances, as two servers, each let a user through and both write).
import Challenge
import Foundation
import Synchronization

final class SeatReservationService: Sendable {
    private let gates = SeatGates()
    private let store: SeatStore

    init(store: SeatStore) { self.store = store }

    func reserveSeat(seatId: String, userId: String) async throws -> SeatReservation {
        await gates.acquire(seatId)
        defer { gates.release(seatId) }
        var timeouts = 0
        while true {
            do {
                guard let row = try await store.read(seatId) else { throw ReservationError.seatNotFound(seatId) }
                if row.holder == userId { return SeatReservation(seatId: seatId, userId: userId, timestamp: Date()) }
                if row.holder != nil { throw ReservationError.seatTaken(seatId) }
                try await store.write(seatId, holder: userId)
                return SeatReservation(seatId: seatId, userId: userId, timestamp: Date())
            } catch is StoreTimeout {
                timeouts += 1
                if timeouts > 6 { throw ReservationError.storeUnavailable }
            }
        }
    }
}

/// One holder per seat at a time; the others wait in order.
final class SeatGates: Sendable {
    private let state = Mutex<[String: [CheckedContinuation<Void, Never>]]>([:])

    func acquire(_ seat: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let free = state.withLock { state -> Bool in
                if state[seat] == nil {
                    state[seat] = []
                    return true
                }
                state[seat]!.append(continuation)
                return false
            }
            if free { continuation.resume() }
        }
    }

    func release(_ seat: String) {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard var waiting = state[seat], !waiting.isEmpty else {
                state[seat] = nil
                return nil
            }
            let first = waiting.removeFirst()
            state[seat] = waiting
            return first
        }
        next?.resume()
    }
}
