import Challenge
import Foundation
import Synchronization

/// The reference: one delivery per payment at a time (an in-flight set: a concurrent delivery of
/// a payment being processed is a duplicate), and the database consulted before every insert,
/// because an earlier insert whose answer was lost may have written the row. Nothing says
/// "processed" except the subscription row itself, so a failed attempt leaves no false marker.
/// Retries sleep with exponential backoff and jitter ("equal jitter": half the delay fixed, half
/// random), capped; after `maxAttempts` attempts the webhook is dead-lettered.
final class PaymentWebhookHandler: Sendable {
    static let baseDelay = Duration.milliseconds(100)
    static let maximumDelay = Duration.seconds(5)

    private let database: SubscriptionDatabase
    private let sleeper: any Sleeper
    private let maxAttempts: Int
    private let inFlight = Mutex<Set<String>>([])
    private let letters = Mutex<[PaymentWebhook]>([])

    init(database: SubscriptionDatabase, sleeper: any Sleeper, maxAttempts: Int) {
        self.database = database
        self.sleeper = sleeper
        self.maxAttempts = max(1, maxAttempts)
    }

    func handlePaymentWebhook(_ webhook: PaymentWebhook) async -> WebhookOutcome {
        guard webhook.status == .success else { return .ignored }
        guard inFlight.withLock({ $0.insert(webhook.paymentId).inserted }) else { return .duplicate }
        defer { _ = inFlight.withLock { $0.remove(webhook.paymentId) } }
        var triedInsert = false
        for attempt in 1...maxAttempts {
            do {
                return try await process(webhook, triedInsert: &triedInsert)
            } catch {
                if attempt < maxAttempts { try? await sleeper.sleep(for: Self.delay(beforeRetry: attempt)) }
            }
        }
        letters.withLock { $0.append(webhook) }
        return .deadLettered
    }

    /// One attempt. `triedInsert` survives attempts: if an earlier insert of this delivery failed,
    /// a row found now is the one it wrote, and this delivery created it.
    private func process(_ webhook: PaymentWebhook, triedInsert: inout Bool) async throws -> WebhookOutcome {
        if let existing = try await database.subscriptions(paymentId: webhook.paymentId).first {
            return triedInsert ? .created(existing) : .duplicate
        }
        let subscription = Subscription(id: UUID().uuidString, userId: webhook.userId, paymentId: webhook.paymentId,
                                        amount: webhook.amount, createdAt: Date())
        triedInsert = true
        try await database.insertSubscription(subscription)
        return .created(subscription)
    }

    /// 100 ms × 2^(retry − 1), between half and all of it at random, never above 5 s.
    static func delay(beforeRetry retry: Int) -> Duration {
        let full = min(maximumDelay, baseDelay * Int(1 << min(retry - 1, 20)))
        return full / 2 + (full / 2) * Double.random(in: 0...1)
    }

    func getSubscriptionsByPaymentId(_ paymentId: String) async throws -> [Subscription] {
        try await database.subscriptions(paymentId: paymentId)
    }

    func deadLetters() async -> [PaymentWebhook] {
        letters.withLock { $0 }
    }

    /// Takes every dead letter out and handles it again; one that fails again is dead-lettered again.
    func replayDeadLetters() async -> [WebhookOutcome] {
        let pending = letters.withLock { letters -> [PaymentWebhook] in
            defer { letters.removeAll() }
            return letters
        }
        var outcomes: [WebhookOutcome] = []
        for webhook in pending { outcomes.append(await handlePaymentWebhook(webhook)) }
        return outcomes
    }
}
