// webhook-idempotency: the same payment webhook, delivered three times (or twenty at once), must
// create one subscription. Read README.md for the full contract, the rules and the failure model.
// This starter compiles and fails the checks.
import Challenge
import Foundation

final class PaymentWebhookHandler: Sendable {
    private let database: SubscriptionDatabase
    private let sleeper: any Sleeper
    private let maxAttempts: Int

    init(database: SubscriptionDatabase, sleeper: any Sleeper, maxAttempts: Int) {
        self.database = database
        self.sleeper = sleeper
        self.maxAttempts = maxAttempts
    }

    /// Handles one delivery of the payment provider's webhook.
    func handlePaymentWebhook(_ webhook: PaymentWebhook) async -> WebhookOutcome {
        // TODO: create exactly one subscription per successful payment, however often it arrives.
        .ignored
    }

    /// The subscriptions recorded for `paymentId`.
    func getSubscriptionsByPaymentId(_ paymentId: String) async throws -> [Subscription] {
        try await database.subscriptions(paymentId: paymentId)
    }

    /// Webhooks given up on after `maxAttempts` failed attempts, oldest first.
    func deadLetters() async -> [PaymentWebhook] {
        []
    }

    /// Processes every dead letter again; answers their outcomes in order.
    func replayDeadLetters() async -> [WebhookOutcome] {
        []
    }
}
