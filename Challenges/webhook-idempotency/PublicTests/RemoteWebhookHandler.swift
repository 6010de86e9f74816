@_spi(GraderWire) import Challenge
import DriverKit
import Synchronization
import Wire

/// The candidate's `PaymentWebhookHandler`, created in the subject on a database and a sleeper
/// that live in a ``DatabaseSimulator`` here, and driven from here.
public final class RemoteWebhookHandler: Sendable {
    public let id: Int
    public let database: Int
    public let maxAttempts: Int
    public let simulator: DatabaseSimulator
    let subject: SubjectConnection
    private let nextCaller = Atomic<Int>(100_000)

    private init(id: Int, database: Int, maxAttempts: Int, simulator: DatabaseSimulator, subject: SubjectConnection) {
        self.id = id
        self.database = database
        self.maxAttempts = maxAttempts
        self.simulator = simulator
        self.subject = subject
    }

    /// Creates `PaymentWebhookHandler(database:sleeper:maxAttempts:)` in the subject on `database`
    /// of `simulator`, which then serves the check's database and sleeper calls.
    public static func make(_ context: CheckContext, simulator: DatabaseSimulator, database: Int, maxAttempts: Int) async throws -> RemoteWebhookHandler {
        context.subject.serve(SubscriptionWire.service, with: ServiceDirectory.shared.router(.object))
        context.subject.serve(WebhookSleeperService.name, with: ServiceDirectory.shared.router(.object))
        context.subject.serve(WebhookDeliveriesService.name, with: ServiceDirectory.shared.router(.caller))
        let id = HandlerIDs.next.add(1, ordering: .relaxed).newValue
        let answer = try await context.subject.request(WebhookOperationName.create,
                                                       describing: "PaymentWebhookHandler(database:sleeper:maxAttempts: \(maxAttempts))") {
            $0.int(id)
            $0.int(database)
            $0.int(maxAttempts)
        }
        guard answer.isAtEnd else { throw SubjectError.malformed("the answer to PaymentWebhookHandler(…) has unexpected bytes") }
        return RemoteWebhookHandler(id: id, database: database, maxAttempts: maxAttempts, simulator: simulator, subject: context.subject)
    }

    /// Delivers every webhook at once (each its own task in the subject) and waits for every outcome.
    /// `faults` replaces the database's fault plan for this round.
    public func deliverAll(_ deliveries: [WebhookDelivery], faults: FaultPlan? = nil) async throws -> DeliveryRound {
        let timeline = simulator.beginRound(deliveries.map { delivery in
            (delivery.caller, "delivery \(delivery.caller) (\(delivery.webhook.status.rawValue) \(delivery.webhook.paymentId), key \(delivery.webhook.idempotencyKey))",
             delivery.webhook.paymentId, delivery.webhook.idempotencyKey)
        }, faults: faults)
        let callsBefore = simulator.simulation.calls
        let what = deliveries.count == 1 ? "handlePaymentWebhook(\(Self.describe(deliveries[0].webhook)))"
                                         : "\(deliveries.count) concurrent handlePaymentWebhook calls"
        var answer = try await subject.request(WebhookOperationName.deliverAll, describing: what) { writer in
            writer.int(self.id)
            writer.array(deliveries) { $1.encode(to: &$0) }
        }
        let started: Int, outcomes: [WebhookAnswer]
        do {
            started = try answer.int(in: 0...deliveries.count)
            outcomes = try answer.array(maximum: deliveries.count) { try WebhookAnswer(from: &$0) }
            try answer.finish()
        } catch let error as WireError {
            throw SubjectError.malformed("the answer to \(what): \(error.message)")
        }
        guard outcomes.count == deliveries.count else { throw SubjectError.malformed("\(outcomes.count) outcomes of \(deliveries.count) deliveries") }
        let now = await timeline.elapsed
        // Each outcome was also reported the moment it was known; the two must agree.
        let reported = simulator.reportedAnswers
        for (delivery, outcome) in zip(deliveries, outcomes) where reported[delivery.caller] != outcome {
            throw SubjectError.malformed("delivery \(delivery.caller) was reported as \(reported[delivery.caller].map(\.description) ?? "nothing") and answered as \(outcome)")
        }
        return DeliveryRound(deliveries: deliveries, outcomes: outcomes, startedAtFirstFinish: started,
                             maximumWaiting: await timeline.maximumWaiting, makespan: now,
                             settledCompletions: await timeline.settledCompletions,
                             calls: simulator.simulation.calls - callsBefore)
    }

    /// One delivery, alone.
    public func deliver(_ webhook: PaymentWebhook, caller: Int, faults: FaultPlan? = nil) async throws -> WebhookAnswer {
        try await deliverAll([WebhookDelivery(caller: caller, webhook: webhook)], faults: faults).outcomes[0]
    }

    /// `getSubscriptionsByPaymentId(paymentId)`.
    public func subscriptions(paymentId: String) async throws -> WebhookListAnswer {
        var answer = try await query(WebhookOperationName.subscriptions, "getSubscriptionsByPaymentId(\"\(paymentId)\")") { $0.string(paymentId) }
        return try decode(&answer, "getSubscriptionsByPaymentId") { try WebhookListAnswer(from: &$0) }
    }

    /// `deadLetters()`.
    public func deadLetters() async throws -> [PaymentWebhook] {
        var answer = try await query(WebhookOperationName.deadLetters, "deadLetters()") { _ in }
        return try decode(&answer, "deadLetters()") { try $0.array(maximum: WebhookLimits.maximumDeliveries) { try WebhookWireCoding.decodeWebhook(&$0) } }
    }

    /// `replayDeadLetters()`, with `faults` for the database during it if given.
    public func replayDeadLetters(faults: FaultPlan? = nil) async throws -> [WebhookAnswer] {
        var answer = try await query(WebhookOperationName.replay, "replayDeadLetters()", faults: faults) { _ in }
        return try decode(&answer, "replayDeadLetters()") { try $0.array(maximum: WebhookLimits.maximumDeliveries) { try WebhookAnswer(from: &$0) } }
    }

    /// A call of the handler's own (not a delivery) as one caller alone on the timeline. No
    /// delivery is in flight, so no database call of it fails transiently (outages and a database
    /// that is down still apply).
    private func query(_ operation: String, _ what: String, faults: FaultPlan? = nil,
                       _ encode: (inout WireWriter) -> Void) async throws -> WireReader {
        let caller = nextCaller.add(1, ordering: .relaxed).newValue
        _ = simulator.beginRound([(caller, what, nil, nil)], faults: faults)
        return try await subject.request(operation, describing: what) { writer in
            writer.int(self.id)
            writer.int(caller)
            encode(&writer)
        }
    }

    private func decode<T>(_ answer: inout WireReader, _ what: String, _ body: (inout WireReader) throws -> T) throws -> T {
        do {
            let value = try body(&answer)
            try answer.finish()
            return value
        } catch let error as WireError {
            throw SubjectError.malformed("the answer to \(what): \(error.message)")
        }
    }

    static func describe(_ webhook: PaymentWebhook) -> String {
        "\(webhook.status.rawValue) \(webhook.paymentId), key \(webhook.idempotencyKey)"
    }
}

/// One round of concurrent deliveries: what each returned, and what the timeline saw.
public struct DeliveryRound: Sendable {
    public var deliveries: [WebhookDelivery]
    public var outcomes: [WebhookAnswer]
    public var startedAtFirstFinish: Int
    public var maximumWaiting: Int
    public var makespan: Duration
    public var settledCompletions: Int
    public var calls: Int

    /// Whether the round observed concurrency: calls in flight together, or deliveries running together.
    public var overlapped: Bool { maximumWaiting >= 2 || startedAtFirstFinish >= 2 }

    public var summary: String {
        counted(deliveries.count, "delivery", "deliveries") + ", " + counted(calls, "database call or sleep", "database calls and sleeps")
            + ", at most \(maximumWaiting) in flight at once, \(startedAtFirstFinish) started before the first finished, "
            + "\(makespan.wholeMilliseconds) ms of virtual time"
            + (settledCompletions > 0 ? ", " + counted(settledCompletions, "call") + " completed after the subject went quiet" : "")
    }
}

/// A concurrent round is never passed without concurrency (SPEC §3): if no two deliveries ran at
/// once, in the driver's view or the subject's, the check fails (the subject's runtime starts them
/// all before any can finish, so only a tampered runtime gets here; failing, not "not assessed",
/// leaves it nothing to gain).
public func requireOverlap(_ round: DeliveryRound) throws {
    try require(round.overlapped, "the \(round.deliveries.count) deliveries never ran at the same time (\(round.summary)): the check could not observe any concurrency")
}

/// Handler ids, unique within the driver (one check per process).
enum HandlerIDs {
    static let next = Atomic<Int>(0)
}

/// A webhook for payment `payment` (amount and user derived from it).
public func webhook(_ payment: String, _ status: PaymentStatus = .success, key: String) -> PaymentWebhook {
    PaymentWebhook(paymentId: payment, status: status, amount: 1_999, userId: "user-" + payment, idempotencyKey: key)
}
