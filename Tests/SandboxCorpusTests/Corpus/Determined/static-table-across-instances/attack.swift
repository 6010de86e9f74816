// corpus: determined candidate, class 1 (issue 17): "several servers" in one process.
// Each seat is serialised through a table shared by every instance in the process (a `static`),
// then claimed with the store's last-writer-wins `write`, never `compareAndSet`. Run as two real
// servers (two processes), two users of one seat are both told success: the decision is made in
// memory, not in the store (README rule 2). Graded with both instances in one process it passed.
import Challenge
import Foundation
import Synchronization

final class SeatReservationService: Sendable {
    /// Shared by every instance in this process: the trick.
    private static let gates = SeatGates()
    private let store: SeatStore

    init(store: SeatStore) { self.store = store }

    func reserveSeat(seatId: String, userId: String) async throws -> SeatReservation {
        await Self.gates.acquire(seatId)
        defer { Self.gates.release(seatId) }
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
