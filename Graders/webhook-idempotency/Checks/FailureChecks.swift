import Challenge
import DriverKit

/// Database failures: retries with exponential backoff and jitter read off the virtual sleeper
/// (AWS Architecture Blog, "Exponential Backoff And Jitter": the README's band admits equal and
/// ±50% jitter), dead letters and their replay, an insert that wrote its row and then failed,
/// and no "processed" state that outlives a failed attempt.
public enum WebhookFailureChecks {
    public static func checks() -> [Check] {
        [
            Check("transient-failure-retried") { context in
                try await rehearseAlone(context)
                context.enterPhase("faulted")
                let (simulator, handler, judge) = try await setUp(context, seed: 0x51)
                // The delivery's first insert of its subscription fails once (its own change: no
                // other call can take that fault instead of it).
                let plan = FaultPlan(firstWriteFaults: [.beforeEffect])
                let round = try await handler.deliverAll([WebhookDelivery(caller: 0, webhook: webhook("pay_h", key: "evt_h1"))], faults: plan)
                if !round.outcomes[0].isCreated { judge.explain(context, paymentId: "pay_h", round: round) }
                try require(round.outcomes[0].isCreated,
                            "a success webhook whose first insertSubscription failed once before writing (a transient failure; maxAttempts 5) answered \(round.outcomes[0]) after \(simulator.databaseCalls(of: 0)) database call(s); expected .created after a retry")
                try judge.require(round, context, what: "one transient database failure", deadLetters: "only one database call failed")
            },
            Check("insert-fails-after-write") { context in
                try await rehearseAlone(context)
                context.enterPhase("faulted")
                let (simulator, handler, judge) = try await setUp(context, seed: 0x52)
                let plan = FaultPlan(firstFaultsByOperation: ["insertSubscription": [.afterEffect]])
                _ = try await handler.deliverAll([WebhookDelivery(caller: 0, webhook: webhook("pay_i", key: "evt_i1"))], faults: plan)
                var rows = simulator.rows(handler.database, paymentId: "pay_i")
                if rows.count != 1 { judge.explain(context, paymentId: "pay_i") }
                if rows.count > 1 { context.enterPhase(WebhookJudge.duplicateEffectPhase) }
                try require(rows.count == 1,
                            "the first insertSubscription wrote its row and then threw DatabaseUnavailable; after the retries pay_i has \(rows.count) subscriptions; expected exactly 1 (look before inserting again)")
                _ = try await handler.deliverAll([WebhookDelivery(caller: 1, webhook: webhook("pay_i", key: "evt_i1"))], faults: .healthy)
                rows = simulator.rows(handler.database, paymentId: "pay_i")
                if rows.count > 1 {
                    judge.explain(context, paymentId: "pay_i")
                    context.enterPhase(WebhookJudge.duplicateEffectPhase)
                }
                try require(rows.count == 1, "after a redelivery of the same event pay_i has \(rows.count) subscriptions; expected exactly 1")
            },
            Check("insert-fails-after-write-answers-created") { context in
                try await rehearseAlone(context)
                let (simulator, handler, judge) = try await setUp(context, seed: 0x53)
                let plan = FaultPlan(firstFaultsByOperation: ["insertSubscription": [.afterEffect]])
                let round = try await handler.deliverAll([WebhookDelivery(caller: 0, webhook: webhook("pay_j", key: "evt_j1"))], faults: plan)
                let rows = simulator.rows(handler.database, paymentId: "pay_j")
                guard case .created(let subscription) = round.outcomes[0], rows == [subscription] else {
                    judge.explain(context, paymentId: "pay_j", round: round)
                    throw CheckFailure("the delivery whose insert wrote its row and then failed answered \(round.outcomes[0]) (database rows: \(rows.map(\.id))); expected .created with that row: this delivery created it")
                }
            },
            Check("backoff-between-attempts") { context in
                try await rehearseAlone(context)
                context.enterPhase("faulted")
                let maxAttempts = 8
                let (simulator, handler, judge) = try await setUp(context, seed: 0x54, maxAttempts: maxAttempts)
                let deliveries = (0..<8).map { WebhookDelivery(caller: $0, webhook: webhook("pay_k\($0)", key: "evt_k\($0)")) }
                let round: DeliveryRound
                do {
                    round = try await handler.deliverAll(deliveries, faults: FaultPlan(down: true))
                } catch let error as SubjectError {
                    if case .timedOut = error {
                        let calls = simulator.databaseCalls(of: 0), sleeps = simulator.sleeps(of: 0).count
                        context.note("delivery 0 (pay_k0) had made \(calls) database calls and slept \(sleeps) times when the time ran out")
                        throw CheckTimeout("8 deliveries against a database that is down (maxAttempts \(maxAttempts)); by then pay_k0 had made \(calls) database calls and slept \(sleeps) times: the retries are not bounded by maxAttempts")
                    }
                    throw error
                }
                for (delivery, outcome) in zip(deliveries, round.outcomes) where outcome != .deadLettered {
                    judge.explain(context, paymentId: delivery.webhook.paymentId, round: round)
                    throw CheckFailure("\(delivery.webhook.paymentId) answered \(outcome) although every database call failed; expected .deadLettered after \(maxAttempts) attempts")
                }
                var delaysByRetry: [[Duration]] = Array(repeating: [], count: maxAttempts - 1)
                for delivery in deliveries {
                    let sleeps = simulator.sleeps(of: delivery.caller)
                    context.note("\(delivery.webhook.paymentId): sleeps \(sleeps.map(DatabaseSimulator.format).joined(separator: ", "))")
                    let (attempts, strayed) = simulator.attempts(of: delivery.caller)
                    try require(attempts == maxAttempts && sleeps.count == maxAttempts - 1 && !strayed,
                                "\(delivery.webhook.paymentId) made \(counted(attempts, "attempt")) (database calls between sleeps) and slept \(counted(sleeps.count, "time")) against a database that is down with maxAttempts \(maxAttempts)"
                                    + (strayed ? ", with a sleep before the first attempt, after the last or twice in a row" : "")
                                    + "; expected \(maxAttempts) attempts with one sleep between consecutive attempts")
                    for (index, sleep) in sleeps.enumerated() {
                        let band = BackoffBand(retry: index + 1)
                        try require(band.contains(sleep),
                                    "\(delivery.webhook.paymentId)'s sleep before retry \(index + 1) was \(DatabaseSimulator.format(sleep)); the README's backoff allows \(band)")
                        delaysByRetry[index].append(sleep)
                    }
                }
                try require(delaysByRetry.contains { Set($0).count > 1 },
                            "every delivery slept exactly the same delays (\(delaysByRetry.map { $0.first.map(DatabaseSimulator.format) ?? "-" }.joined(separator: ", "))): no jitter, so retries of many webhooks stay in lockstep")
            },
            Check("recovers-after-outage") { context in
                try await rehearseAlone(context)
                context.enterPhase("faulted")
                let (simulator, handler, judge) = try await setUp(context, seed: 0x55, maxAttempts: 8)
                let plan = FaultPlan(outages: [.zero ..< .seconds(1)])
                let deliveries = (0..<5).map { WebhookDelivery(caller: $0, webhook: webhook("pay_l\($0)", key: "evt_l\($0)")) }
                let round = try await handler.deliverAll(deliveries, faults: plan)
                for (delivery, outcome) in zip(deliveries, round.outcomes) where !outcome.isCreated {
                    judge.explain(context, paymentId: delivery.webhook.paymentId, round: round)
                    let slept = simulator.sleeps(of: delivery.caller).map(DatabaseSimulator.format).joined(separator: ", ")
                    throw CheckFailure("\(delivery.webhook.paymentId) answered \(outcome) after a 1-second database outage with maxAttempts 8, having slept [\(slept)]; the README's backoff waits past the outage (at least 1.55 s before the 6th attempt): expected .created")
                }
                try judge.require(round, context, what: "5 payments during a 1-second database outage (maxAttempts 8, so backoff outlasts it)",
                                  deadLetters: "the outage ended after 1 s and the README's backoff waits past it")
            },
            Check("dead-letter-then-redelivery") { context in
                try await rehearseAlone(context)
                context.enterPhase("faulted")
                let (simulator, handler, judge) = try await setUp(context, seed: 0x56, maxAttempts: 3)
                let hook = webhook("pay_m", key: "evt_m1")
                try requireEqual(try await handler.deliver(hook, caller: 0, faults: FaultPlan(down: true)), .deadLettered,
                                 "pay_m delivered while the database is down (maxAttempts 3)")
                try requireEqual(try await handler.deadLetters(), [hook], "deadLetters() after pay_m was dead-lettered")
                let redelivered = try await handler.deliverAll([WebhookDelivery(caller: 1, webhook: webhook("pay_m", key: "evt_m1"))], faults: .healthy)
                if !redelivered.outcomes[0].isCreated { judge.explain(context, paymentId: "pay_m", round: redelivered) }
                try require(redelivered.outcomes[0].isCreated, "pay_m redelivered once the database is back answered \(redelivered.outcomes[0]); expected .created (nothing was created before)")
                try judge.require(redelivered, context, what: "pay_m redelivered once the database is back")
                let replayed = try await handler.replayDeadLetters(faults: .healthy)
                if replayed != [.duplicate] { judge.explain(context, paymentId: "pay_m") }
                try require(replayed == [.duplicate], "replayDeadLetters() after pay_m's redelivery created its subscription answered [\(replayed.map(\.description).joined(separator: ", "))]; expected [.duplicate]")
                let rows = simulator.rows(handler.database, paymentId: "pay_m").count
                try require(rows == 1, "pay_m has \(rows) subscriptions after its redelivery and the replay; expected exactly 1")
                try requireEqual(try await handler.deadLetters(), [], "deadLetters() after the replay handled the dead letter")
            },
            Check("dead-letter-then-replay") { context in
                try await rehearseAlone(context)
                context.enterPhase("faulted")
                let (simulator, handler, judge) = try await setUp(context, seed: 0x57, maxAttempts: 3)
                let hooks = [webhook("pay_n1", key: "evt_n1"), webhook("pay_n2", key: "evt_n2")]
                for (caller, hook) in hooks.enumerated() {
                    try requireEqual(try await handler.deliver(hook, caller: caller, faults: FaultPlan(down: true)), .deadLettered,
                                     "\(hook.paymentId) delivered while the database is down (maxAttempts 3)")
                }
                try requireEqual(try await handler.deadLetters(), hooks, "deadLetters() after two dead letters (oldest first)")
                let replayed = try await handler.replayDeadLetters(faults: .healthy)
                if !(replayed.count == 2 && replayed.allSatisfy(\.isCreated)) { judge.explain(context, paymentId: "pay_n1") }
                try require(replayed.count == 2 && replayed.allSatisfy(\.isCreated),
                            "replayDeadLetters() once the database is back answered [\(replayed.map(\.description).joined(separator: ", "))]; expected two .created (nothing had been created for them)")
                for hook in hooks {
                    let rows = simulator.rows(handler.database, paymentId: hook.paymentId).count
                    try require(rows == 1, "\(hook.paymentId) has \(rows) subscriptions after the replay; expected exactly 1")
                    judge.noteSubscribed(hook.paymentId)
                }
                try requireEqual(try await handler.deadLetters(), [], "deadLetters() after a replay that handled both")
                let again = try await handler.deliverAll([WebhookDelivery(caller: 5, webhook: webhook("pay_n1", key: "evt_n1"))], faults: .healthy)
                try judge.require(again, context, what: "pay_n1 redelivered after its replay")
                try requireEqual(again.outcomes[0], .duplicate, "pay_n1 redelivered after its replay created the subscription")
            },
            Check("failed-attempt-leaves-no-marker") { context in
                try await rehearseAlone(context)
                context.enterPhase("faulted")
                let maxAttempts = 3
                let (simulator, handler, judge) = try await setUp(context, seed: 0x58, maxAttempts: maxAttempts)
                let plan = FaultPlan(firstFaultsByOperation: ["insertSubscription": Array(repeating: .beforeEffect, count: 10)])
                let first = try await handler.deliver(webhook("pay_o", key: "evt_o1"), caller: 0, faults: plan)
                let rows = simulator.rows(handler.database, paymentId: "pay_o").count
                try require(first == .deadLettered && rows == 0,
                            "pay_o, whose every insertSubscription failed without writing (maxAttempts \(maxAttempts)), answered \(first) with \(rows) subscription(s); expected .deadLettered and none")
                let again = try await handler.deliverAll([WebhookDelivery(caller: 1, webhook: webhook("pay_o", key: "evt_o1"))], faults: .healthy)
                if !again.outcomes[0].isCreated { judge.explain(context, paymentId: "pay_o", round: again) }
                try require(again.outcomes[0].isCreated,
                            "pay_o redelivered once the database works answered \(again.outcomes[0]), but no subscription exists: a claim or \"processed\" marker outlived the failed attempts")
                try judge.require(again, context, what: "pay_o redelivered once the database works")
            },
        ]
    }
}

/// The README's backoff: before retry k (k ≥ 1), between half and 1.5 times d = min(100 ms × 2^(k−1),
/// 5 s), and never more than 5 s (AWS's equal jitter caps the delay before drawing it: from the 7th
/// retry on, 2.5 s to 5 s).
struct BackoffBand: CustomStringConvertible {
    let low: Duration
    let high: Duration

    init(retry: Int) {
        let nominal = Duration.milliseconds(100) * (1 << min(retry - 1, 20))
        low = min(nominal / 2, .milliseconds(2_500))
        high = min(nominal * 3 / 2, .seconds(5))
    }

    func contains(_ delay: Duration) -> Bool { delay >= low && delay <= high }

    var description: String { "\(DatabaseSimulator.format(low)) to \(DatabaseSimulator.format(high))" }
}
