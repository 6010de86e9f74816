// Known-bad variant: retry-forever.
//
// What is wrong: a failed attempt is retried with the README's backoff (100 ms doubling, equal
// jitter, capped at 5 s), but with no bound: `maxAttempts` is never consulted, so against a database
// that stays down a delivery never returns, nothing is ever dead-lettered, and deliveries pile up.
// Breaks README rule 3 ("up to maxAttempts attempts in all") and rule 4 ("after maxAttempts failed
// attempts, keep the webhook in the dead-letter list and answer .deadLettered").
import Challenge
import Foundation
import Synchronization

final class PaymentWebhookHandler: Sendable {
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
        var insertAttempted = false
        var retry = 0
        while true {
            do {
                return try await attempt(webhook, insertAttempted: &insertAttempted)
            } catch {
                // The database will come back; keep backing off until it does.
                retry += 1
                try? await sleeper.sleep(for: backoff(beforeRetry: retry))
            }
        }
    }

    private func attempt(_ webhook: PaymentWebhook, insertAttempted: inout Bool) async throws -> WebhookOutcome {
        if let row = try await database.subscriptions(paymentId: webhook.paymentId).first {
            return insertAttempted ? .created(row) : .duplicate
        }
        let subscription = Subscription(id: UUID().uuidString, userId: webhook.userId, paymentId: webhook.paymentId,
                                        amount: webhook.amount, createdAt: Date())
        insertAttempted = true
        try await database.insertSubscription(subscription)
        return .created(subscription)
    }

    /// 100 ms × 2^(retry − 1), half fixed and half random, never above 5 s.
    private func backoff(beforeRetry retry: Int) -> Duration {
        let nominal = min(Duration.seconds(5), Duration.milliseconds(100) * (1 << min(retry - 1, 20)))
        return nominal / 2 + (nominal / 2) * Double.random(in: 0...1)
    }

    func getSubscriptionsByPaymentId(_ paymentId: String) async throws -> [Subscription] {
        try await database.subscriptions(paymentId: paymentId)
    }

    func deadLetters() async -> [PaymentWebhook] {
        letters.withLock { $0 }
    }

    func replayDeadLetters() async -> [WebhookOutcome] {
        let pending = letters.withLock { list -> [PaymentWebhook] in
            defer { list.removeAll() }
            return list
        }
        var outcomes: [WebhookOutcome] = []
        for webhook in pending { outcomes.append(await handlePaymentWebhook(webhook)) }
        return outcomes
    }
}
