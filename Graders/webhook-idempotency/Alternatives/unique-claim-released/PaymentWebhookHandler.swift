import Challenge
import Foundation
import Synchronization

/// A unique-key claim per payment in the database (INSERT … ON CONFLICT DO NOTHING), released when
/// an attempt fails. A failed claim may have landed, so a claim found taken is checked: a row means
/// the payment is done; no row and no delivery of this handler working on the payment means the
/// claim is a leftover of a failed attempt, and it is taken over.
final class PaymentWebhookHandler: Sendable {
    private let database: SubscriptionDatabase
    private let sleeper: any Sleeper
    private let maxAttempts: Int
    private let working = Mutex<[String: Int]>([:])
    private let letters = Mutex<[PaymentWebhook]>([])

    init(database: SubscriptionDatabase, sleeper: any Sleeper, maxAttempts: Int) {
        self.database = database
        self.sleeper = sleeper
        self.maxAttempts = maxAttempts
    }

    func handlePaymentWebhook(_ webhook: PaymentWebhook) async -> WebhookOutcome {
        guard webhook.status == .success else { return .ignored }
        let claim = "subscription-claim:" + webhook.paymentId
        working.withLock { $0[webhook.paymentId, default: 0] += 1 }
        defer { working.withLock { working in
            working[webhook.paymentId]! -= 1
            if working[webhook.paymentId] == 0 { working[webhook.paymentId] = nil }
        } }
        var inserted: String?   // the id of a row an insert of ours may have written
        for attempt in 1...max(1, maxAttempts) {
            var claimed = false
            do {
                claimed = try await database.insertUnique(key: claim)
                if !claimed {
                    if let row = try await database.subscriptions(paymentId: webhook.paymentId).first {
                        return row.id == inserted ? .created(row) : .duplicate
                    }
                    // Taken, no row: another delivery here is working on it, or a failed attempt left it.
                    guard working.withLock({ $0[webhook.paymentId] == 1 }) else { return .duplicate }
                    claimed = true
                }
                if let row = try await database.subscriptions(paymentId: webhook.paymentId).first {
                    return row.id == inserted ? .created(row) : .duplicate
                }
                let subscription = Subscription(id: UUID().uuidString, userId: webhook.userId, paymentId: webhook.paymentId,
                                                amount: webhook.amount, createdAt: Date())
                inserted = subscription.id
                try await database.insertSubscription(subscription)
                return .created(subscription)
            } catch {
                if claimed { try? await database.deleteUnique(key: claim) }
                if attempt < maxAttempts { try? await sleeper.sleep(for: Self.backoff(attempt)) }
            }
        }
        letters.withLock { $0.append(webhook) }
        return .deadLettered
    }

    /// Equal jitter: half of 100 ms × 2^(attempt−1) fixed, the other half random; at most 5 s.
    private static func backoff(_ attempt: Int) -> Duration {
        let nominal = min(5_000, 100 << min(attempt - 1, 16))
        return .milliseconds(nominal / 2 + Int.random(in: 0...(nominal / 2)))
    }

    func getSubscriptionsByPaymentId(_ paymentId: String) async throws -> [Subscription] {
        try await database.subscriptions(paymentId: paymentId)
    }

    func deadLetters() async -> [PaymentWebhook] { letters.withLock { $0 } }

    func replayDeadLetters() async -> [WebhookOutcome] {
        let pending = letters.withLock { letters -> [PaymentWebhook] in
            defer { letters = [] }
            return letters
        }
        var outcomes: [WebhookOutcome] = []
        for webhook in pending { outcomes.append(await handlePaymentWebhook(webhook)) }
        return outcomes
    }
}
