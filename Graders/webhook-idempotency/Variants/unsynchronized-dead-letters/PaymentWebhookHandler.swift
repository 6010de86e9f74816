// Known-bad variant: unsynchronized-dead-letters.
//
// What is wrong: the handler is a `final class … : @unchecked Sendable` whose dead-letter list is a
// plain `var` array and whose `deliveriesHandled` statistics counter is a plain `var Int`, both
// mutated from the concurrent delivery tasks without a lock (only the in-flight set is protected).
// Every concurrent round races on the counter (a data race: lost increments, undefined behaviour);
// concurrent dead letters would race on the array. The checks never read the counter, so only
// ThreadSanitizer sees it. Breaks the README's "make it Sendable, or @unchecked Sendable with your own
// locking" (one handler receives many deliveries at once). Otherwise it is the reference.
import Challenge
import Foundation
import Synchronization

final class PaymentWebhookHandler: @unchecked Sendable {
    private let database: SubscriptionDatabase
    private let sleeper: any Sleeper
    private let maxAttempts: Int
    private let inFlight = Mutex<Set<String>>([])
    private var letters: [PaymentWebhook] = []

    /// Deliveries seen so far, for monitoring.
    private(set) var deliveriesHandled = 0

    init(database: SubscriptionDatabase, sleeper: any Sleeper, maxAttempts: Int) {
        self.database = database
        self.sleeper = sleeper
        self.maxAttempts = max(1, maxAttempts)
    }

    func handlePaymentWebhook(_ webhook: PaymentWebhook) async -> WebhookOutcome {
        deliveriesHandled += 1
        guard webhook.status == .success else { return .ignored }
        guard inFlight.withLock({ $0.insert(webhook.paymentId).inserted }) else { return .duplicate }
        defer { _ = inFlight.withLock { $0.remove(webhook.paymentId) } }
        var insertAttempted = false
        for attempt in 1...maxAttempts {
            do {
                return try await process(webhook, insertAttempted: &insertAttempted)
            } catch {
                if attempt < maxAttempts { try? await sleeper.sleep(for: Self.delay(beforeRetry: attempt)) }
            }
        }
        letters.append(webhook)
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
        letters
    }

    func replayDeadLetters() async -> [WebhookOutcome] {
        let pending = letters
        letters.removeAll()
        var outcomes: [WebhookOutcome] = []
        for webhook in pending { outcomes.append(await handlePaymentWebhook(webhook)) }
        return outcomes
    }
}
