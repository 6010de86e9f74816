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
                try await rehearse(context)
                let seed = context.seed(default: 0x61)
                let (_, handler, judge) = try await setUp(context, seed: seed)
                context.enterPhase("concurrent")
                for round in 0..<3 {
                    let payment = "pay_p\(round)"
                    // Twenty deliveries at once: ten retries of one event, ten with keys of their own.
                    let deliveries = (0..<20).map { index in
                        WebhookDelivery(caller: round * 100 + index, webhook: webhook(payment, key: index < 10 ? "evt_\(payment)" : "evt_\(payment)_\(index)"))
                    }
                    let result = try await handler.deliverAll(deliveries)
                    try judge.require(result, context, what: "20 concurrent deliveries of \(payment)")
                    let created = result.outcomes.filter(\.isCreated).count
                    let duplicates = result.outcomes.filter { $0 == .duplicate }.count
                    try require(created == 1 && duplicates == 19,
                                "20 concurrent deliveries of \(payment): \(created) answered .created and \(duplicates) .duplicate; expected 1 and 19")
                    guard result.overlapped else { throw NotAssessed("the 20 deliveries never ran at the same time") }
                    context.note("\(payment): \(result.summary)")
                }
            },
            Check("concurrent-mixed-payments") { context in
                try await rehearse(context)
                let seed = context.seed(default: 0x62)
                let (_, handler, judge) = try await setUp(context, seed: seed)
                context.enterPhase("concurrent")
                var random = SeededGenerator(seed: seed, name: "deliveries")
                var deliveries: [PaymentWebhook] = []
                for payment in 0..<12 {
                    let id = "pay_q\(payment)"
                    let status: PaymentStatus = payment % 3 == 2 ? .failed : .success
                    deliveries += [webhook(id, .pending, key: "\(id)-1"), webhook(id, status, key: "\(id)-2"),
                                   webhook(id, status, key: "\(id)-2"), webhook(id, status, key: "\(id)-3"), webhook(id, .failed, key: "\(id)-4")]
                }
                for index in deliveries.indices.reversed() { deliveries.swapAt(index, Int(random.next() % UInt64(index + 1))) }
                let round = try await handler.deliverAll(deliveries.enumerated().map { WebhookDelivery(caller: $0.offset, webhook: $0.element) })
                try judge.require(round, context, what: "60 concurrent deliveries of 12 payments (success, failed and pending, in a seeded order)")
                guard round.overlapped else { throw NotAssessed("the deliveries never ran at the same time") }
                context.note("seed \(hex(seed)): \(round.summary)")
            },
            Check("concurrent-duplicates-with-faults") { context in
                try await rehearse(context)
                let seed = context.seed(default: 0x63)
                let (simulator, handler, judge) = try await setUp(context, seed: seed)
                let plan = FaultPlan(rate: 0.25, afterEffectShare: 0.5, maximumConsecutive: 3, maximumPerCaller: 3)
                let deliveries = (0..<32).map { index in
                    WebhookDelivery(caller: index, webhook: webhook("pay_r\(index % 8)", key: "evt_r\(index % 8)_\(index / 8)"))
                }
                let round = try await handler.deliverAll(deliveries, faults: plan)
                try judge.require(round, context, what: "8 payments delivered 4 times each at once, 25% of database calls failing (at most 3 per delivery, maxAttempts 5)")
                guard round.overlapped else { throw NotAssessed("the deliveries never ran at the same time") }
                context.note("seed \(hex(seed)): \(round.summary), \(simulator.events.filter { $0.what.contains("DatabaseUnavailable") }.count) failures")
            },
        ]
    }
}
