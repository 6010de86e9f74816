import Challenge
@testable import Solution
import Testing

/// The README's example: the same webhook three times creates one subscription. Add your own tests
/// beside it (twenty deliveries at once, a flaky database with `failureRate`, a sleeper of your own
/// that records the delays, dead letters and their replay).
@Test func theSameWebhookThreeTimesCreatesOneSubscription() async throws {
    let database = SubscriptionDatabase()
    let handler = PaymentWebhookHandler(database: database, sleeper: TaskSleeper(), maxAttempts: 5)
    let paid = PaymentWebhook(paymentId: "pay_1", status: .success, amount: 1999, userId: "ada", idempotencyKey: "evt_1")
    var outcomes: [WebhookOutcome] = []
    for _ in 0..<3 { outcomes.append(await handler.handlePaymentWebhook(paid)) }
    guard case .created = outcomes[0] else {
        Issue.record("the first delivery answered \(outcomes[0]); expected .created")
        return
    }
    #expect(outcomes[1] == .duplicate && outcomes[2] == .duplicate)
    #expect(try await handler.getSubscriptionsByPaymentId("pay_1").count == 1)
}
