import Challenge
import Foundation

/// An actor that keeps the task processing each payment: a delivery that arrives while one is
/// running waits for it and answers .duplicate if it created the subscription (or processes the
/// payment itself if the running one was dead-lettered). Retries are a recursive helper.
actor PaymentWebhookHandler {
    private let database: SubscriptionDatabase
    private let sleeper: any Sleeper
    private let maxAttempts: Int
    private var running: [String: Task<WebhookOutcome, Never>] = [:]
    private var letters: [PaymentWebhook] = []

    init(database: SubscriptionDatabase, sleeper: any Sleeper, maxAttempts: Int) {
        self.database = database
        self.sleeper = sleeper
        self.maxAttempts = maxAttempts
    }

    func handlePaymentWebhook(_ webhook: PaymentWebhook) async -> WebhookOutcome {
        guard webhook.status == .success else { return .ignored }
        while let earlier = running[webhook.paymentId] {
            if await earlier.value != .deadLettered { return .duplicate }
        }
        let task = Task { await self.attempt(webhook, number: 1, inserted: false) }
        running[webhook.paymentId] = task
        let outcome = await task.value
        running[webhook.paymentId] = nil
        if outcome == .deadLettered { letters.append(webhook) }
        return outcome
    }

    private func attempt(_ webhook: PaymentWebhook, number: Int, inserted: Bool) async -> WebhookOutcome {
        var inserted = inserted
        do {
            if let row = try await database.subscriptions(paymentId: webhook.paymentId).first {
                return inserted ? .created(row) : .duplicate
            }
            let subscription = Subscription(id: UUID().uuidString, userId: webhook.userId, paymentId: webhook.paymentId,
                                            amount: webhook.amount, createdAt: Date())
            inserted = true
            try await database.insertSubscription(subscription)
            return .created(subscription)
        } catch {
            guard number < maxAttempts else { return .deadLettered }
            let nominal = min(5.0, 0.1 * Double(1 << (number - 1)))
            try? await sleeper.sleep(for: .seconds(nominal * Double.random(in: 0.5...1.0)))
            return await attempt(webhook, number: number + 1, inserted: inserted)
        }
    }

    func getSubscriptionsByPaymentId(_ paymentId: String) async throws -> [Subscription] {
        try await database.subscriptions(paymentId: paymentId)
    }

    func deadLetters() async -> [PaymentWebhook] { letters }

    func replayDeadLetters() async -> [WebhookOutcome] {
        let pending = letters
        letters.removeAll()
        var outcomes: [WebhookOutcome] = []
        for webhook in pending { outcomes.append(await handlePaymentWebhook(webhook)) }
        return outcomes
    }
}
