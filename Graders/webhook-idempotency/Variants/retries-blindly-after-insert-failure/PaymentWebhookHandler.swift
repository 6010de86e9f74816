// Known-bad variant: retries-blindly-after-insert-failure.
//
// What is wrong: the handler looks for an existing subscription before its first insert, but when
// `insertSubscription` throws it simply inserts again on the next attempt without looking. The README's
// failure model says a failed insert may have written its row and lost only the answer, so the retry
// writes a second subscription for the payment (and answers `.created` with the second row). Breaks
// README rule 1 ("exactly one subscription per paymentId") and the failure model's "before inserting
// again, look". Otherwise it is the reference: an in-flight set per payment, the README's backoff,
// dead letters and replay.
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
        var checkedExisting = false
        for attempt in 1...maxAttempts {
            do {
                return try await process(webhook, checkedExisting: &checkedExisting)
            } catch {
                if attempt < maxAttempts { try? await sleeper.sleep(for: Self.delay(beforeRetry: attempt)) }
            }
        }
        letters.withLock { $0.append(webhook) }
        return .deadLettered
    }

    /// One attempt: make sure the payment has no subscription yet (once), then insert it.
    private func process(_ webhook: PaymentWebhook, checkedExisting: inout Bool) async throws -> WebhookOutcome {
        if !checkedExisting {
            if try await !database.subscriptions(paymentId: webhook.paymentId).isEmpty { return .duplicate }
            checkedExisting = true
        }
        let subscription = Subscription(id: UUID().uuidString, userId: webhook.userId, paymentId: webhook.paymentId,
                                        amount: webhook.amount, createdAt: Date())
        try await database.insertSubscription(subscription)
        return .created(subscription)
    }

    static func delay(beforeRetry retry: Int) -> Duration {
        let full = min(Duration.seconds(5), Duration.milliseconds(100) * Int(1 << min(retry - 1, 20)))
        return full / 2 + (full / 2) * Double.random(in: 0...1)
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
