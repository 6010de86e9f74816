import Challenge
import DriverKit

/// Deliveries one at a time, no database faults: the idempotency rules of the README, after
/// Stripe's (events are delivered at least once, possibly out of order: record what you processed)
/// and the IETF Idempotency-Key draft (a repeat gets the first outcome, never a second effect).
/// Here the effect is keyed by the payment, not the delivery's key.
public enum WebhookIdempotencyChecks {
    public static func checks() -> [Check] {
        [
            Check("creates-one-subscription") { context in
                try await createsOneSubscription(context, seed: context.seed(default: 0x41))
            },
            Check("redelivered-three-times") { context in
                try await redeliveredThreeTimes(context, seed: context.seed(default: 0x42))
            },
            Check("same-payment-new-idempotency-key") { context in
                try await samePaymentNewIdempotencyKey(context, seed: context.seed(default: 0x43))
            },
            Check("failed-and-pending-ignored") { context in
                let (simulator, handler, judge) = try await setUp(context, seed: 0x44)
                let steps: [(PaymentStatus, String, WebhookAnswer?)] = [
                    (.pending, "evt_d1", .ignored), (.failed, "evt_d2", .ignored), (.pending, "evt_d3", .ignored),
                    (.success, "evt_d4", nil), (.failed, "evt_d5", .ignored), (.pending, "evt_d6", .ignored),
                ]
                for (index, (status, key, expected)) in steps.enumerated() {
                    let round = try await handler.deliverAll([WebhookDelivery(caller: index, webhook: webhook("pay_d", status, key: key))])
                    try judge.require(round, context, what: "delivery \(index + 1) of pay_d (\(status.rawValue))")
                    if let expected { try requireEqual(round.outcomes[0], expected, "a \(status.rawValue) webhook for pay_d (delivery \(index + 1))") }
                    let rows = simulator.rows(handler.database, paymentId: "pay_d").count
                    try require(rows == (index >= 3 ? 1 : 0), "after delivery \(index + 1) of pay_d (\(status.rawValue)) the database has \(rows) subscription(s); expected \(index >= 3 ? 1 : 0)")
                }
            },
            Check("out-of-order-deliveries") { context in
                try await outOfOrderDeliveries(context, seed: context.seed(default: 0x45))
            },
        ]
    }
}

// The scenarios of the checks the concurrent and faulted checks rehearse (``rehearseAlone(_:)``,
// ``CheckContext/rehearse(as:_:)``): each check runs its scenario under its seed, a rehearsal
// under the check's default seed, so the two are the same operations on the same objects.

/// The scenario of `creates-one-subscription`.
func createsOneSubscription(_ context: CheckContext, seed: UInt64) async throws {
    let (simulator, handler, judge) = try await setUp(context, exactSeed: seed)
    let hook = PaymentWebhook(paymentId: "pay_a", status: .success, amount: 4_200, userId: "ada", idempotencyKey: "evt_a1")
    let round = try await handler.deliverAll([WebhookDelivery(caller: 0, webhook: hook)])
    try judge.require(round, context, what: "one success webhook")
    guard case .created(let subscription) = round.outcomes[0] else {
        throw CheckFailure("one success webhook for a new payment answered \(round.outcomes[0]); expected .created")
    }
    let rows = simulator.rows(handler.database, paymentId: "pay_a")
    try require(rows == [subscription], "the database's rows for pay_a are \(rows.map(\.id)); expected the created subscription \(subscription.id)")
    let listed = try await handler.subscriptions(paymentId: "pay_a")
    try requireEqual(listed, .rows(rows), "getSubscriptionsByPaymentId(\"pay_a\")")
    try requireEqual(try await handler.subscriptions(paymentId: "pay_none"), .rows([]), "getSubscriptionsByPaymentId of a payment never seen")
}

/// The scenario of `redelivered-three-times`.
func redeliveredThreeTimes(_ context: CheckContext, seed: UInt64) async throws {
    let (_, handler, judge) = try await setUp(context, exactSeed: seed)
    var outcomes: [WebhookAnswer] = []
    for attempt in 0..<3 {
        let round = try await handler.deliverAll([WebhookDelivery(caller: attempt, webhook: webhook("pay_b", key: "evt_b1"))])
        try judge.require(round, context, what: "the same success webhook delivered \(attempt + 1) time\(attempt == 0 ? "" : "s")")
        outcomes.append(round.outcomes[0])
    }
    try require(outcomes[0].isCreated && outcomes[1] == .duplicate && outcomes[2] == .duplicate,
                "three deliveries of one webhook answered \(outcomes.map(\.description).joined(separator: ", ")); expected .created, .duplicate, .duplicate")
}

/// The scenario of `same-payment-new-idempotency-key`.
func samePaymentNewIdempotencyKey(_ context: CheckContext, seed: UInt64) async throws {
    let (_, handler, judge) = try await setUp(context, exactSeed: seed)
    let first = try await handler.deliverAll([WebhookDelivery(caller: 0, webhook: webhook("pay_c", key: "evt_c1"))])
    try judge.require(first, context, what: "the first delivery of pay_c")
    for (caller, key) in [(1, "evt_c2"), (2, "evt_c3")] {
        let again = try await handler.deliverAll([WebhookDelivery(caller: caller, webhook: webhook("pay_c", key: key))])
        try judge.require(again, context, what: "pay_c delivered again with a new idempotency key (\(key))")
        try requireEqual(again.outcomes[0], .duplicate, "pay_c delivered again with the new idempotency key \(key)")
    }
}

/// The scenario of `out-of-order-deliveries`.
func outOfOrderDeliveries(_ context: CheckContext, seed: UInt64) async throws {
    let (_, handler, judge) = try await setUp(context, exactSeed: seed)
    var random = SeededGenerator(seed: seed, name: "deliveries")
    var deliveries: [PaymentWebhook] = []
    for payment in 0..<8 {
        let id = "pay_e\(payment)"
        let succeeds = payment % 4 != 3
        deliveries += [webhook(id, .pending, key: "\(id)-1"), webhook(id, succeeds ? .success : .failed, key: "\(id)-2"),
                       webhook(id, succeeds ? .success : .failed, key: "\(id)-3"), webhook(id, .failed, key: "\(id)-4")]
    }
    for index in deliveries.indices.reversed() {
        deliveries.swapAt(index, Int(random.next() % UInt64(index + 1)))
    }
    context.note("seed \(hex(seed)): \(deliveries.count) deliveries of 8 payments in a seeded order")
    for (index, hook) in deliveries.enumerated() {
        let round = try await handler.deliverAll([WebhookDelivery(caller: index, webhook: hook)])
        try judge.require(round, context, what: "delivery \(index + 1) of \(deliveries.count) (\(hook.status.rawValue) \(hook.paymentId), key \(hook.idempotencyKey)), out of order")
    }
}

/// A simulator with an empty database and one handler on it (maxAttempts 5).
func setUp(_ context: CheckContext, seed: UInt64, faults: FaultPlan = .healthy, maxAttempts: Int = 5)
    async throws -> (DatabaseSimulator, RemoteWebhookHandler, WebhookJudge) {
    try await setUp(context, exactSeed: context.seed(default: seed), faults: faults, maxAttempts: maxAttempts)
}

/// The same, under `exactSeed` whatever the check was started with.
func setUp(_ context: CheckContext, exactSeed seed: UInt64, faults: FaultPlan = .healthy, maxAttempts: Int = 5)
    async throws -> (DatabaseSimulator, RemoteWebhookHandler, WebhookJudge) {
    let simulator = DatabaseSimulator(seed: seed, faults: faults)
    let database = simulator.addDatabase()
    let handler = try await RemoteWebhookHandler.make(context, simulator: simulator, database: database, maxAttempts: maxAttempts)
    return (simulator, handler, WebhookJudge(handler: handler))
}

/// A check's single-threaded rehearsal: the scenario of `creates-one-subscription`, replayed
/// exactly (``CheckContext/rehearse(as:_:)``). A handler that cannot create a subscription fails
/// here, and raises no flag meant for the check's own scenario; one that fails here but passed
/// `creates-one-subscription` is flagged `inconsistent-behaviour`.
func rehearseAlone(_ context: CheckContext) async throws {
    try await context.rehearse(as: "creates-one-subscription") {
        try await createsOneSubscription(context, seed: 0x41)
    }
}
