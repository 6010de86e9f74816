import Challenge
import DriverKit

/// Many deliveries at once, the database's completion order chosen by the seed: a check-then-insert
/// (look for a row, then insert it, with an `await` between) lets two deliveries both see none.
/// The driver owns every interleaving point (each database call) and prints the failing
/// interleaving, as Lincheck does for a failing scenario.
public enum WebhookConcurrencyChecks {
    public static func checks() -> [Check] {
        [
            Check("concurrent-duplicates") { context in
                // One at a time first: the scenarios of the checks of repeats with the same and with
                // new idempotency keys, which is what these deliveries are, at once.
                try await rehearseAlone(context)
                try await context.rehearse(as: "redelivered-three-times") { try await redeliveredThreeTimes(context, seed: 0x42) }
                try await context.rehearse(as: "same-payment-new-idempotency-key") {
                    try await samePaymentNewIdempotencyKey(context, seed: 0x43)
                }
                // Twenty deliveries of a payment: ten retries of one event, ten with keys of their own.
                func deliveries(of payment: String) -> [PaymentWebhook] {
                    (0..<20).map { webhook(payment, key: $0 < 10 ? "evt_\(payment)" : "evt_\(payment)_\($0)") }
                }
                let seed = context.seed(default: 0x61)
                context.enterPhase("setup")
                let (_, handler, judge) = try await setUp(context, seed: seed)
                context.enterPhase("concurrent")
                for round in 0..<3 {
                    let payment = "pay_p\(round)"
                    let deliveries = deliveries(of: payment).enumerated().map { WebhookDelivery(caller: round * 100 + $0.offset, webhook: $0.element) }
                    let result = try await handler.deliverAll(deliveries)
                    try judge.require(result, context, what: "20 concurrent deliveries of \(payment)")
                    let created = result.outcomes.filter(\.isCreated).count
                    let duplicates = result.outcomes.filter { $0 == .duplicate }.count
                    try require(created == 1 && duplicates == 19,
                                "20 concurrent deliveries of \(payment): \(created) answered .created and \(duplicates) .duplicate; expected 1 and 19")
                    try requireOverlap(result)
                    context.note("\(payment): \(result.summary)")
                }
            },
            Check("concurrent-mixed-payments") { context in
                // One at a time first: the scenario of the check of mixed statuses out of order.
                try await rehearseAlone(context)
                try await context.rehearse(as: "out-of-order-deliveries") { try await outOfOrderDeliveries(context, seed: 0x45) }
                let seed = context.seed(default: 0x62)
                var random = SeededGenerator(seed: seed, name: "deliveries")
                var deliveries: [PaymentWebhook] = []
                for payment in 0..<12 {
                    let id = "pay_q\(payment)"
                    let status: PaymentStatus = payment % 3 == 2 ? .failed : .success
                    deliveries += [webhook(id, .pending, key: "\(id)-1"), webhook(id, status, key: "\(id)-2"),
                                   webhook(id, status, key: "\(id)-2"), webhook(id, status, key: "\(id)-3"), webhook(id, .failed, key: "\(id)-4")]
                }
                for index in deliveries.indices.reversed() { deliveries.swapAt(index, Int(random.next() % UInt64(index + 1))) }
                context.enterPhase("setup")
                let (_, handler, judge) = try await setUp(context, seed: seed)
                context.enterPhase("concurrent")
                let round = try await handler.deliverAll(deliveries.enumerated().map { WebhookDelivery(caller: $0.offset, webhook: $0.element) })
                try judge.require(round, context, what: "60 concurrent deliveries of 12 payments (success, failed and pending, in a seeded order)")
                try requireOverlap(round)
                context.note("seed \(hex(seed)): \(round.summary)")
            },
            Check("concurrent-duplicates-with-faults") { context in
                try await rehearseAlone(context)
                let seed = context.seed(default: 0x63)
                // At most 3 failing calls per delivery (the README's promise): 1 read, 2 writes.
                let plan = FaultPlan(rate: 0.25, afterEffectShare: 0.5, readsPerParticipant: 1, effectsPerParticipant: 2)
                let deliveries = (0..<32).map { index in
                    WebhookDelivery(caller: index, webhook: webhook("pay_r\(index % 8)", key: "evt_r\(index % 8)_\(index / 8)"))
                }
                try await skipIfRacyWithoutFaults(context, seed: seed, deliveries)
                let (simulator, handler, judge) = try await setUp(context, seed: seed)
                let round = try await handler.deliverAll(deliveries, faults: plan)
                try judge.require(round, context, what: "8 payments delivered 4 times each at once, 25% of database calls failing (at most 3 per delivery, maxAttempts 5)",
                                  deadLetters: "at most 3 of its database calls failed and maxAttempts is 5, so it never had to give up")
                try requireOverlap(round)
                context.note("seed \(hex(seed)): \(round.summary), \(simulator.events.filter { $0.what.contains("DatabaseUnavailable") }.count) failures")
            },
        ]
    }
}

/// The deliveries of `concurrent-duplicates-with-faults` at once without faults (the same seed, on
/// a database of its own): if they already break a rule, the handler races (or fails plainly),
/// which the concurrent checks, the race pass and the checks without faults charge; judging error
/// recovery on top would charge that bug twice, to the wrong criterion, so the check is skipped.
/// So is a round that hangs without faults (a deadlock: the concurrent checks time out too).
func skipIfRacyWithoutFaults(_ context: CheckContext, seed: UInt64, _ deliveries: [WebhookDelivery]) async throws {
    let (_, handler, judge) = try await setUp(context, seed: seed)
    let round = try await CheckSkipped.ifHanging("without any database failure, the same \(deliveries.count) deliveries at once (seed \(hex(seed)))") {
        try await handler.deliverAll(deliveries)
    }
    if let first = judge.violations(in: round).first {
        throw CheckSkipped("without any database failure, the same \(deliveries.count) deliveries at once (seed \(hex(seed))) "
            + "already break a rule: \(first.message). That is a race or a plain bug, charged by the concurrent checks "
            + "and the checks without faults; error recovery under concurrency cannot be judged apart from it")
    }
}
