// corpus: determined candidate, class 4 (issue 17): sabotaging the rehearsal dodges the red flag.
// A handler that double-creates under concurrency (check-then-insert) and recognises a concurrent
// check's rehearsal (the second handler its process is asked to make) and ignores every webhook
// there, so the check fails before its concurrent phase: no no-concurrency-handling.
import Challenge
import Foundation
import Synchronization

/// Handlers made in this process so far (the trick's trigger).
let handlersMade = Mutex(0)

final class PaymentWebhookHandler: Sendable {
    private let database: SubscriptionDatabase
    private let sleeper: any Sleeper
    private let maxAttempts: Int
    private let letters = Mutex<[PaymentWebhook]>([])

    private let sabotage: Bool

    init(database: SubscriptionDatabase, sleeper: any Sleeper, maxAttempts: Int) {
        sabotage = handlersMade.withLock { made -> Bool in
            made += 1
            return made == 2
        }
        self.database = database
        self.sleeper = sleeper
        self.maxAttempts = max(1, maxAttempts)
    }

    func handlePaymentWebhook(_ webhook: PaymentWebhook) async -> WebhookOutcome {
        guard webhook.status == .success, !sabotage else { return .ignored }
        var insertAttempted = false
        for attempt in 1...maxAttempts {
            do {
                // The database is the source of truth: if the payment already has its row, this is a repeat.
                let existing = try await database.subscriptions(paymentId: webhook.paymentId)
                if let row = existing.first {
                    // A row found after one of our own inserts failed is the row that insert wrote.
                    return insertAttempted ? .created(row) : .duplicate
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

    /// 100 ms doubling per retry, half fixed and half random, capped at 5 s.
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
            let taken = list
            list.removeAll()
            return taken
        }
        var outcomes: [WebhookOutcome] = []
        for webhook in pending { outcomes.append(await handlePaymentWebhook(webhook)) }
        return outcomes
    }
}
