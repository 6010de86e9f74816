import Challenge
import DriverKit
import Synchronization
import Wire

/// The rules of the README, judged on rounds of deliveries against the database's record (the
/// simulator's tables, which the candidate's code cannot touch). It remembers which payments have
/// their subscription from earlier rounds.
public final class WebhookJudge: Sendable {
    public let handler: RemoteWebhookHandler
    private let subscribed = Mutex<Set<String>>([])
    /// Success deliveries judged so far, per payment (every round).
    private let successDeliveries = Mutex<[String: Int]>([:])

    public init(handler: RemoteWebhookHandler) { self.handler = handler }

    var simulator: DatabaseSimulator { handler.simulator }

    /// One broken rule, and the payment whose deliveries show it.
    public struct Violation: Sendable {
        public var message: String
        public var paymentId: String
        /// A second subscription for one payment: the side effect idempotency exists to prevent.
        public var duplicateEffect = false
    }

    /// The phase a check enters when it finds a duplicate subscription (red-flag rules name it).
    public static let duplicateEffectPhase = "duplicate-effect"

    /// The violations in `round`, a round without database faults: every success delivery of a
    /// payment ends with exactly one subscription for it, created by exactly one delivery (none if
    /// it existed before), the others `.duplicate`; `failed` and `pending` are `.ignored`.
    /// `deadLetters` says why a dead letter breaks the rules in this round (nil: it does not).
    public func violations(in round: DeliveryRound, deadLetters: String? = "the database did not fail") -> [Violation] {
        var found: [Violation] = []
        successDeliveries.withLock { counts in
            for delivery in round.deliveries where delivery.webhook.status == .success { counts[delivery.webhook.paymentId, default: 0] += 1 }
        }
        let delivered = successDeliveries.withLock { $0 }
        var created: [String: [(WebhookDelivery, Subscription)]] = [:]
        let before = subscribed.withLock { $0 }
        for (delivery, outcome) in zip(round.deliveries, round.outcomes) {
            let webhook = delivery.webhook
            let name = "delivery \(delivery.caller) (\(webhook.status.rawValue) \(webhook.paymentId), key \(webhook.idempotencyKey))"
            func broken(_ message: String) { found.append(Violation(message: message, paymentId: webhook.paymentId)) }
            switch (webhook.status, outcome) {
            case (.success, .created(let subscription)):
                created[webhook.paymentId, default: []].append((delivery, subscription))
                if subscription.paymentId != webhook.paymentId || subscription.userId != webhook.userId || subscription.amount != webhook.amount {
                    broken("\(name) answered .created with a subscription for payment \(subscription.paymentId), user \(subscription.userId), amount \(subscription.amount); expected the webhook's payment \(webhook.paymentId), user \(webhook.userId), amount \(webhook.amount)")
                }
            case (.success, .duplicate): break
            case (.success, .deadLettered) where deadLetters == nil: break
            case (.success, .deadLettered):
                broken("\(name) answered .deadLettered, but \(deadLetters ?? "")")
            case (.success, let other):
                broken("\(name) answered \(other); a success webhook answers .created or .duplicate")
            case (_, .ignored): break
            case (let status, let other):
                broken("\(name) answered \(other); a \(status.rawValue) webhook answers .ignored and creates nothing")
            }
        }
        let payments = Set(round.deliveries.map(\.webhook.paymentId)).sorted()
        for payment in payments {
            let rows = simulator.rows(handler.database, paymentId: payment)
            let successes = round.deliveries.filter { $0.webhook.paymentId == payment && $0.webhook.status == .success }
            let deadLettered = zip(round.deliveries, round.outcomes).contains { $0.0.webhook.paymentId == payment && $0.1 == .deadLettered }
            let creators = created[payment] ?? []
            let shouldExist = before.contains(payment) || (!successes.isEmpty && !deadLettered)
            let total = delivered[payment] ?? successes.count
            if rows.count > 1 {
                found.insert(Violation(message: "payment \(payment) has \(rows.count) subscriptions in the database after \(total) success deliver\(total == 1 ? "y" : "ies"); expected exactly 1",
                                       paymentId: payment, duplicateEffect: true), at: 0)
            } else if shouldExist && rows.isEmpty {
                found.append(Violation(message: "payment \(payment) has no subscription in the database after \(total) success deliver\(total == 1 ? "y" : "ies")" + (creators.isEmpty ? "" : ", although a delivery answered .created"),
                                       paymentId: payment))
            } else if successes.isEmpty && !before.contains(payment) && !rows.isEmpty {
                found.append(Violation(message: "payment \(payment) has a subscription although it was never delivered as success", paymentId: payment))
            }
            if before.contains(payment), !creators.isEmpty {
                found.append(Violation(message: "\(creators.count) deliver\(creators.count == 1 ? "y" : "ies") of payment \(payment) answered .created although its subscription existed before", paymentId: payment))
            } else if !before.contains(payment), creators.count > 1 {
                found.insert(Violation(message: "\(creators.count) of \(successes.count) deliveries of payment \(payment) answered .created; expected exactly 1", paymentId: payment), at: 0)
            } else if !before.contains(payment), !successes.isEmpty, !deadLettered, creators.isEmpty, rows.count == 1 {
                found.append(Violation(message: "no delivery of payment \(payment) answered .created, although its subscription was created in this round", paymentId: payment))
            }
            if let (delivery, subscription) = creators.first, rows.count == 1, rows[0].id != subscription.id {
                found.append(Violation(message: "delivery \(delivery.caller) answered .created with subscription \(subscription.id), but the database's row for \(payment) is \(rows[0].id)", paymentId: payment))
            }
            if rows.count == 1 { subscribed.withLock { _ = $0.insert(payment) } }
        }
        return found
    }

    /// Marks `payment` as having its subscription (created outside a judged round).
    public func noteSubscribed(_ payment: String) { subscribed.withLock { _ = $0.insert(payment) } }

    /// Fails the check if a rule broke: the first violation's message, and as evidence the seed,
    /// the fault plan and the interleaving of that payment's deliveries, in virtual-time order.
    public func require(_ round: DeliveryRound, _ context: CheckContext, what: String,
                        deadLetters: String? = "the database did not fail") throws {
        let violations = violations(in: round, deadLetters: deadLetters)
        guard let first = violations.first else { return }
        // A duplicate effect outside the concurrent phase is the idempotency flag's; in a rehearsal
        // the phase stays the rehearsal's (a functional bug there raises the flags of the check it
        // replays, in that check).
        if violations.contains(where: \.duplicateEffect), context.phase != "concurrent",
           context.phase?.hasPrefix(DriverReport.rehearsalPhasePrefix) != true {
            context.enterPhase(Self.duplicateEffectPhase)
        }
        explain(context, paymentId: first.paymentId, round: round)
        if violations.count > 1 { context.note("\(violations.count) rules broken in all") }
        throw CheckFailure("\(what): \(first.message)"
            + (violations.count > 1 ? " (and \(counted(violations.count - 1, "more broken rule"))" : ""))
    }

    /// Notes the seed, the faults, the round and the interleaving of `paymentId`'s deliveries.
    public func explain(_ context: CheckContext, paymentId: String, round: DeliveryRound? = nil) {
        context.note("seed \(hex(simulator.seed)) (replay this check with --seed \(hex(simulator.seed)))")
        let plans = simulator.simulation.plans
        if plans.count > 1 {
            context.note("database faults: " + plans.map { "from t=\($0.start.wholeMilliseconds)ms \($0.plan)" }.joined(separator: "; then "))
        } else {
            context.note("database faults: \(simulator.simulation.faults.plan)")
        }
        if let round { context.note("round: \(round.summary)") }
        context.note("interleaving of payment \(paymentId)'s deliveries:")
        for line in simulator.interleaving(paymentId: paymentId) { context.note("  " + line) }
    }
}

