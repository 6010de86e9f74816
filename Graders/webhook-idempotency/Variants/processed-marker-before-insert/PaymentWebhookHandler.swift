// Known-bad variant: processed-marker-before-insert.
//
// What is wrong: the handler first writes a "processed:<paymentId>" marker with
// `insertUnique(key:)` and answers `.duplicate` whenever the marker exists, then inserts the
// subscription. When the insert keeps failing it retries and finally dead-letters the webhook, but
// it never deletes the marker: the payment now reads as processed although no subscription exists,
// so a redelivery or a replay answers `.duplicate` and the subscription is never created. Breaks
// README rule 5 ("whatever you use to recognise repeats must not outlive an attempt that failed")
// and with it rule 4 (a later redelivery or replay creates exactly one subscription). Otherwise it
// retries with the README's backoff and looks before re-inserting after a lost answer.
import Challenge
import Foundation
import Synchronization

final class PaymentWebhookHandler: Sendable {
    private let database: SubscriptionDatabase
    private let sleeper: any Sleeper
    private let maxAttempts: Int
    private let letters = Mutex<[PaymentWebhook]>([])

    init(database: SubscriptionDatabase, sleeper: any Sleeper, maxAttempts: Int) {
        self.database = database
        self.sleeper = sleeper
        self.maxAttempts = max(1, maxAttempts)
    }

    private func markerKey(_ paymentId: String) -> String { "processed:" + paymentId }

    func handlePaymentWebhook(_ webhook: PaymentWebhook) async -> WebhookOutcome {
        guard webhook.status == .success else { return .ignored }
        var marked = false
        var insertAttempted = false
        for attempt in 1...maxAttempts {
            do {
                if !marked {
                    // INSERT … ON CONFLICT DO NOTHING: only the first delivery of a payment gets past here.
                    guard try await database.insertUnique(key: markerKey(webhook.paymentId)) else { return .duplicate }
                    marked = true
                }
                if insertAttempted, let row = try await database.subscriptions(paymentId: webhook.paymentId).first {
                    // Our earlier insert wrote the row and only its answer was lost.
                    return .created(row)
                }
                let subscription = Subscription(id: UUID().uuidString, userId: webhook.userId, paymentId: webhook.paymentId,
                                                amount: webhook.amount, createdAt: Date())
                insertAttempted = true
                try await database.insertSubscription(subscription)
                return .created(subscription)
            } catch {
                if attempt < maxAttempts { try? await sleeper.sleep(for: backoff(beforeRetry: attempt)) }
            }
        }
        letters.withLock { $0.append(webhook) }
        return .deadLettered
    }

    /// 100 ms × 2^(retry − 1), at least half of it, at random up to all of it, capped at 5 s.
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
