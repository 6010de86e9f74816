// Known-bad variant: in-flight-set-never-cleared.
//
// What is wrong: the reference's in-flight set, but a payment leaves it only when an attempt
// succeeds (a subscription created or found). When every attempt fails and the webhook is
// dead-lettered, its payment stays "in flight" for good: every later delivery of it, and the replay
// of its dead letter, answers `.duplicate`, and its subscription is never created. Breaks README rule 5
// ("whatever you use to recognise repeats must not outlive an attempt that failed") and rule 4 (a
// later redelivery or replay creates exactly one subscription).
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
        var insertAttempted = false
        for attempt in 1...maxAttempts {
            do {
                let outcome = try await process(webhook, insertAttempted: &insertAttempted)
                _ = inFlight.withLock { $0.remove(webhook.paymentId) }
                return outcome
            } catch {
                if attempt < maxAttempts { try? await sleeper.sleep(for: Self.delay(beforeRetry: attempt)) }
            }
        }
        letters.withLock { $0.append(webhook) }
        return .deadLettered
    }

    private func process(_ webhook: PaymentWebhook, insertAttempted: inout Bool) async throws -> WebhookOutcome {
        if let existing = try await database.subscriptions(paymentId: webhook.paymentId).first {
            return insertAttempted ? .created(existing) : .duplicate
        }
        let subscription = Subscription(id: UUID().uuidString, userId: webhook.userId, paymentId: webhook.paymentId,
                                        amount: webhook.amount, createdAt: Date())
        insertAttempted = true
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
