// Known-bad variant: retry-without-backoff.
//
// What is wrong: a failed attempt is retried at once, with no sleep through the sleeper between
// attempts, up to `maxAttempts` attempts. Against a database that is briefly unavailable the retries
// burn through every attempt within a few milliseconds and the webhook is dead-lettered although the
// database came back soon after; many handlers retrying in lockstep hammer a struggling database.
// Breaks README rule 3 ("sleep through the sleeper, then try again … about 100 ms × 2^(k−1) with
// random jitter"). Everything else (in-flight set, look before re-inserting, dead letters, replay) is
// as in the reference.
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
        // One delivery per payment at a time; a concurrent one is a duplicate.
        guard inFlight.withLock({ $0.insert(webhook.paymentId).inserted }) else { return .duplicate }
        defer { _ = inFlight.withLock { $0.remove(webhook.paymentId) } }
        var insertAttempted = false
        for _ in 1...maxAttempts {
            do {
                return try await attempt(webhook, insertAttempted: &insertAttempted)
            } catch {
                // DatabaseUnavailable is transient: try again.
                continue
            }
        }
        letters.withLock { $0.append(webhook) }
        return .deadLettered
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
