import Foundation

/// A seat held by a user: what a successful `reserveSeat` returns.
public struct SeatReservation: Sendable, Equatable {
    public let seatId: String
    public let userId: String
    public let timestamp: Date

    public init(seatId: String, userId: String, timestamp: Date) {
        self.seatId = seatId
        self.userId = userId
        self.timestamp = timestamp
    }
}

/// Why a reservation did not succeed.
public enum ReservationError: Error, Equatable {
    /// The store has no seat with this id.
    case seatNotFound(String)
    /// Another user holds the seat (the store says so).
    case seatTaken(String)
    /// The store kept timing out: the outcome is unknown (see the README's failure model).
    case storeUnavailable
}

/// A store call timed out. A timed-out read did nothing; a timed-out `write` or `compareAndSet`
/// may or may not have been applied.
public struct StoreTimeout: Error, Equatable {
    public init() {}
}
