import Challenge
import Foundation
import Synchronization

/// Known bad: the claim is decided in this instance's memory (a check-and-insert on a
/// mutex-protected set of claimed seats), then written to the store with last-writer-wins
/// `write(_:holder:)`. Correct as long as one instance serves every user; but several instances
/// share one store (as several servers would), each with its own set, so two instances both win
/// the same seat locally, both write it, and both users are told success. Breaks rule 2 (the
/// decision of who gets a seat must be made in the store) and so rule 1.
final class SeatReservationService: Sendable {
    /// Timeouts tolerated in one reservation before answering `.storeUnavailable`.
    private static let maximumTimeouts = 6

    private let store: SeatStore
    /// Seats this service has handed out (or is handing out).
    private let claimed = Mutex<Set<String>>([])

    init(store: SeatStore) {
        self.store = store
    }

    func reserveSeat(seatId: String, userId: String) async throws -> SeatReservation {
        var timeouts = 0
        func timedOut() throws {
            timeouts += 1
            if timeouts > Self.maximumTimeouts { throw ReservationError.storeUnavailable }
        }
        var claimedHere = false
        do {
            while true {
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
                if !claimedHere {
                    // Check-and-insert under the lock: exactly one caller wins the seat.
                    claimedHere = claimed.withLock { $0.insert(seatId).inserted }
                    guard claimedHere else { throw ReservationError.seatTaken(seatId) }
                }
                do {
                    try await store.write(seatId, holder: userId)
                    return SeatReservation(seatId: seatId, userId: userId, timestamp: Date())
                } catch is StoreTimeout {
                    // The write may have landed: the next read tells.
                    try timedOut()
                }
            }
        } catch ReservationError.storeUnavailable where claimedHere {
            // Let a later attempt claim it again; a write that did land shows in the store.
            _ = claimed.withLock { $0.remove(seatId) }
            throw ReservationError.storeUnavailable
        }
    }
}
