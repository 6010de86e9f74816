// Known-bad variant: gives-up-first-failure.
//
// What is wrong: the first `DatabaseUnavailable` dead-letters the webhook at once; `maxAttempts` and
// the sleeper are never used. A single transient failure, which a retry a moment later would have
// outlasted, sends a paid payment to the dead-letter list. Breaks README rule 3 ("when a database call
// throws DatabaseUnavailable … sleep through the sleeper, then try again, up to maxAttempts attempts").
// Idempotency, concurrency, dead letters and replay are as in the reference.
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
        do {
            if try await !database.subscriptions(paymentId: webhook.paymentId).isEmpty { return .duplicate }
            let subscription = Subscription(id: UUID().uuidString, userId: webhook.userId, paymentId: webhook.paymentId,
                                            amount: webhook.amount, createdAt: Date())
            try await database.insertSubscription(subscription)
            return .created(subscription)
        } catch {
            // The database is down: park the webhook, replayDeadLetters() picks it up later.
            letters.withLock { $0.append(webhook) }
            return .deadLettered
        }
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
