import Foundation

/// An event waiting in the outbox to be delivered at least once (SPEC §8, notifications).
///
/// It is written in the same transaction as what it announces, so a committed grading always has
/// its event, and a restart loses none.
public struct OutboxEvent: Sendable, Equatable {
    public var id: String
    public var type: String
    /// The exact bytes to deliver (and sign).
    public var payload: Data
    public var createdAt: Date
    public var attempts: Int
    public var nextAttemptAt: Date
    public var deliveredAt: Date?
    public var lastError: String?

    public init(id: String, type: String, payload: Data, createdAt: Date, attempts: Int = 0,
                nextAttemptAt: Date, deliveredAt: Date? = nil, lastError: String? = nil) {
        self.id = id
        self.type = type
        self.payload = payload
        self.createdAt = createdAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.deliveredAt = deliveredAt
        self.lastError = lastError
    }
}
