import Challenge
import DriverKit

/// The public checks: what `grader test webhook-idempotency` runs on your machine, the seed
/// scenario included. The hidden checks go much further (see the README for what they cover).
///
/// Like every check, they run in the grader's driver process: the database and the sleeper live
/// here, each of your calls to them travels here and back, and only your answers come back from
/// your code, which runs in a separate, sandboxed process.
public enum WebhookPublicChecks {
    public static func checks() -> [Check] {
        [
            Check("public.same-webhook-three-times") { context in
                let simulator = DatabaseSimulator(seed: context.seed(default: 1))
                let database = simulator.addDatabase()
                let handler = try await RemoteWebhookHandler.make(context, simulator: simulator, database: database, maxAttempts: 5)
                let judge = WebhookJudge(handler: handler)
                let delivery = webhook("pay_1", key: "evt_1")
                var outcomes: [WebhookAnswer] = []
                for attempt in 0..<3 {
                    let round = try await handler.deliverAll([WebhookDelivery(caller: attempt, webhook: delivery)])
                    try judge.require(round, context, what: "the same success webhook delivered \(attempt + 1) time\(attempt == 0 ? "" : "s")")
                    outcomes.append(round.outcomes[0])
                }
                try require(outcomes[0].isCreated && outcomes[1] == .duplicate && outcomes[2] == .duplicate,
                            "the same success webhook delivered three times answered \(outcomes.map(\.description).joined(separator: ", ")); expected .created, .duplicate, .duplicate")
                let rows = simulator.rows(database, paymentId: "pay_1")
                try require(rows.count == 1, "payment pay_1 has \(rows.count) subscriptions in the database; expected exactly 1")
            },
            Check("public.failed-payment-ignored") { context in
                let simulator = DatabaseSimulator(seed: context.seed(default: 2))
                let database = simulator.addDatabase()
                let handler = try await RemoteWebhookHandler.make(context, simulator: simulator, database: database, maxAttempts: 5)
                let outcome = try await handler.deliver(webhook("pay_2", .failed, key: "evt_2"), caller: 0)
                try requireEqual(outcome, .ignored, "a failed payment's webhook")
                let rows = simulator.rows(database, paymentId: "pay_2")
                try require(rows.isEmpty, "a failed payment has \(rows.count) subscription(s) in the database; expected none")
            },
        ]
    }
}
