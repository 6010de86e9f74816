// Known-bad variant: claim-per-idempotency-key.
//
// What is wrong: repeats are recognised by the delivery's idempotency key, not by the payment: each
// delivery claims `insertUnique(key: webhook.idempotencyKey)` and answers `.duplicate` only when that
// key was claimed before. The provider may send the same payment again with a new key, and then the
// claim succeeds and a second subscription is written for the same paymentId (concurrently as well as
// one after the other). The claim is released when the delivery is dead-lettered, so it never says
// "processed" for a failed attempt. Breaks README rule 1 ("exactly one subscription per paymentId …
// with the same or a new idempotency key").
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

    func handlePaymentWebhook(_ webhook: PaymentWebhook) async -> WebhookOutcome {
        guard webhook.status == .success else { return .ignored }
        let key = webhook.idempotencyKey
        var claimed = false
        var claimMayHaveLanded = false
        var insertAttempted = false
        for attempt in 1...maxAttempts {
            do {
                if !claimed {
                    // Idempotency-Key semantics: the first request with a key wins, repeats are duplicates.
                    let fresh: Bool
                    do {
                        fresh = try await database.insertUnique(key: key)
                    } catch {
                        claimMayHaveLanded = true
                        throw error
                    }
                    // A key that is already there after our own claim failed is the one we wrote.
                    guard fresh || claimMayHaveLanded else { return .duplicate }
                    claimed = true
                }
                if insertAttempted, let row = try await database.subscriptions(paymentId: webhook.paymentId).first {
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
        // Give the key back so that a redelivery or the replay can try again.
        if claimed || claimMayHaveLanded { try? await database.deleteUnique(key: key) }
        letters.withLock { $0.append(webhook) }
        return .deadLettered
    }

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
