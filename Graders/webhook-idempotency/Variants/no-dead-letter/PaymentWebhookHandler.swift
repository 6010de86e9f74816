// Known-bad variant: no-dead-letter.
//
// What is wrong: after `maxAttempts` failed attempts the handler answers `.deadLettered` but keeps
// nothing: `deadLetters()` is always empty and `replayDeadLetters()` does nothing, so a webhook the
// database failed is lost unless the provider happens to redeliver it. Breaks README rule 4 ("keep the
// webhook in the dead-letter list … replayDeadLetters() handles each dead letter again"). Idempotency,
// concurrency, retries and backoff are as in the reference.
import Challenge
import Foundation
import Synchronization

final class PaymentWebhookHandler: Sendable {
    private let database: SubscriptionDatabase
    private let sleeper: any Sleeper
    private let maxAttempts: Int
    private let inFlight = Mutex<Set<String>>([])

    init(database: SubscriptionDatabase, sleeper: any Sleeper, maxAttempts: Int) {
        self.database = database
        self.sleeper = sleeper
        self.maxAttempts = max(1, maxAttempts)
    }

    func handlePaymentWebhook(_ webhook: PaymentWebhook) async -> WebhookOutcome {
        guard webhook.status == .success else { return .ignored }
        guard inFlight.withLock({ $0.insert(webhook.paymentId).inserted }) else { return .duplicate }
        defer { _ = inFlight.withLock { $0.remove(webhook.paymentId) } }
        var insertAttempted = false
        for attempt in 1...maxAttempts {
            do {
                return try await process(webhook, insertAttempted: &insertAttempted)
            } catch {
                if attempt < maxAttempts { try? await sleeper.sleep(for: backoff(beforeRetry: attempt)) }
            }
        }
        // The provider redelivers webhooks that were not acknowledged, so giving up here is enough.
        return .deadLettered
    }

    private func process(_ webhook: PaymentWebhook, insertAttempted: inout Bool) async throws -> WebhookOutcome {
        if let row = try await database.subscriptions(paymentId: webhook.paymentId).first {
            return insertAttempted ? .created(row) : .duplicate
        }
        let subscription = Subscription(id: UUID().uuidString, userId: webhook.userId, paymentId: webhook.paymentId,
                                        amount: webhook.amount, createdAt: Date())
        insertAttempted = true
        try await database.insertSubscription(subscription)
        return .created(subscription)
    }

    private func backoff(beforeRetry retry: Int) -> Duration {
        let nominal = min(Duration.seconds(5), Duration.milliseconds(100) * (1 << min(retry - 1, 20)))
        return nominal / 2 + (nominal / 2) * Double.random(in: 0...1)
    }

    func getSubscriptionsByPaymentId(_ paymentId: String) async throws -> [Subscription] {
        try await database.subscriptions(paymentId: paymentId)
    }

    func deadLetters() async -> [PaymentWebhook] {
        []
    }

    func replayDeadLetters() async -> [WebhookOutcome] {
        []
    }
}
