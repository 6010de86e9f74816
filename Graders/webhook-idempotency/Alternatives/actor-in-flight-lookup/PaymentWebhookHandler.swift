import Challenge
import Foundation

/// An actor: its in-flight set and dead-letter list are actor state, and the database is looked
/// at before every insert. Backoff: the nominal delay times a random factor in [0.5, 1.5], capped.
actor PaymentWebhookHandler {
    private let database: SubscriptionDatabase
    private let sleeper: any Sleeper
    private let maxAttempts: Int
    private var inFlight: Set<String> = []
    private var letters: [PaymentWebhook] = []

    init(database: SubscriptionDatabase, sleeper: any Sleeper, maxAttempts: Int) {
        self.database = database
        self.sleeper = sleeper
        self.maxAttempts = maxAttempts
    }

    func handlePaymentWebhook(_ webhook: PaymentWebhook) async -> WebhookOutcome {
        guard webhook.status == .success else { return .ignored }
        guard !inFlight.contains(webhook.paymentId) else { return .duplicate }
        inFlight.insert(webhook.paymentId)
        defer { inFlight.remove(webhook.paymentId) }
        var insertAttempted = false
        var attempt = 1
        while true {
            do {
                let rows = try await database.subscriptions(paymentId: webhook.paymentId)
                if let row = rows.first { return insertAttempted ? .created(row) : .duplicate }
                let subscription = Subscription(id: UUID().uuidString, userId: webhook.userId, paymentId: webhook.paymentId,
                                                amount: webhook.amount, createdAt: Date())
                insertAttempted = true
                try await database.insertSubscription(subscription)
                return .created(subscription)
            } catch {
                guard attempt < maxAttempts else { break }
                let nominal = 0.1 * pow(2, Double(attempt - 1))
                let seconds = min(5, nominal * Double.random(in: 0.5...1.5))
                try? await sleeper.sleep(for: .milliseconds(Int(seconds * 1000)))
                attempt += 1
            }
        }
        letters.append(webhook)
        return .deadLettered
    }

    func getSubscriptionsByPaymentId(_ paymentId: String) async throws -> [Subscription] {
        try await database.subscriptions(paymentId: paymentId)
    }

    func deadLetters() async -> [PaymentWebhook] { letters }

    func replayDeadLetters() async -> [WebhookOutcome] {
        let pending = letters
        letters = []
        var outcomes: [WebhookOutcome] = []
        for webhook in pending { outcomes.append(await handlePaymentWebhook(webhook)) }
        return outcomes
    }
}
