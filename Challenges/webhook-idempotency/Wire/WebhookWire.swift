@_spi(GraderWire) import Challenge
import Wire

// The webhook-idempotency challenge's operations on the channel: what the driver may ask the
// subject to do with the candidate's `PaymentWebhookHandler`, and how the answers are written.
// Compiled into both sides; public, like everything the subject holds.

/// Names of the subject's operations.
public enum WebhookOperationName {
    /// Arguments: handler id, database id, maxAttempts. Creates `PaymentWebhookHandler(database:
    /// sleeper: maxAttempts:)` on a database that lives in the driver and the driver's virtual
    /// sleeper. Answer: empty.
    public static let create = "create-handler"
    /// Arguments: handler id, ``WebhookDelivery``s. Starts every delivery at once, each in a task of
    /// its own running as its caller, reports each outcome on ``WebhookDeliveriesService`` as it
    /// comes, and answers when all are done: how many had started when the first finished, then
    /// every delivery's ``WebhookAnswer`` in order.
    public static let deliverAll = "deliver-all"
    /// Arguments: handler id, caller, payment id. Answer: ``WebhookListAnswer`` of
    /// `getSubscriptionsByPaymentId`.
    public static let subscriptions = "subscriptions"
    /// Arguments: handler id, caller. Answer: the `deadLetters()` webhooks.
    public static let deadLetters = "dead-letters"
    /// Arguments: handler id, caller. Answer: the `replayDeadLetters()` outcomes.
    public static let replay = "replay-dead-letters"
}

/// The service the subject reports each delivery's (or query's) end on: arguments caller, whether
/// an answer follows, and for a delivery its ``WebhookAnswer``; the driver answers at once, with
/// nothing. The driver's timeline then stops waiting for that caller.
public enum WebhookDeliveriesService {
    public static let name = "webhook-deliveries"
}

/// The driver's virtual sleeper: arguments the handler's database (whose simulation's clock it
/// is), caller, nanoseconds, whether negative; answered when the virtual time has passed.
public enum WebhookSleeperService {
    public static let name = "sleeper"
}

public enum WebhookLimits {
    public static let maximumDeliveries = 2_000
    public static let maximumCaller = 1 << 20
    public static let maximumIDBytes = 256
    public static let maximumMessageBytes = 2_048
    public static let maximumMaxAttempts = 20
}

/// One delivery of a webhook, run as `caller`.
public struct WebhookDelivery: Sendable, Equatable {
    public var caller: Int
    public var webhook: PaymentWebhook

    public init(caller: Int, webhook: PaymentWebhook) {
        self.caller = caller
        self.webhook = webhook
    }

    public func encode(to writer: inout WireWriter) {
        writer.int(caller)
        WebhookWireCoding.encode(webhook, to: &writer)
    }

    public init(from reader: inout WireReader) throws {
        caller = try reader.int(in: 0...WebhookLimits.maximumCaller)
        webhook = try WebhookWireCoding.decodeWebhook(&reader)
    }
}

/// What `handlePaymentWebhook` returned.
public enum WebhookAnswer: Sendable, Equatable, CustomStringConvertible {
    case created(Subscription)
    case duplicate
    case ignored
    case deadLettered

    public init(_ outcome: WebhookOutcome) {
        switch outcome {
        case .created(let subscription): self = .created(subscription)
        case .duplicate: self = .duplicate
        case .ignored: self = .ignored
        case .deadLettered: self = .deadLettered
        }
    }

    public var description: String {
        switch self {
        case .created(let subscription): ".created(subscription \(subscription.id) for \(subscription.paymentId))"
        case .duplicate: ".duplicate"
        case .ignored: ".ignored"
        case .deadLettered: ".deadLettered"
        }
    }

    public var isCreated: Bool {
        if case .created = self { return true }
        return false
    }

    public func encode(to writer: inout WireWriter) {
        switch self {
        case .created(let subscription):
            writer.byte(0)
            SubscriptionWire.encode(subscription, to: &writer)
        case .duplicate: writer.byte(1)
        case .ignored: writer.byte(2)
        case .deadLettered: writer.byte(3)
        }
    }

    public init(from reader: inout WireReader) throws {
        switch try reader.byte() {
        case 0: self = .created(try SubscriptionWire.decode(&reader))
        case 1: self = .duplicate
        case 2: self = .ignored
        case 3: self = .deadLettered
        default: throw WireError("an unknown webhook outcome")
        }
    }
}

/// What `getSubscriptionsByPaymentId` did: returned rows or threw.
public enum WebhookListAnswer: Sendable, Equatable {
    case rows([Subscription])
    case threw(String)

    public func encode(to writer: inout WireWriter) {
        switch self {
        case .rows(let rows):
            writer.byte(0)
            writer.array(rows) { SubscriptionWire.encode($1, to: &$0) }
        case .threw(let message):
            writer.byte(1)
            writer.string(String(message.prefix(WebhookLimits.maximumMessageBytes / 4)))
        }
    }

    public init(from reader: inout WireReader) throws {
        switch try reader.byte() {
        case 0: self = .rows(try reader.array(maximum: SubscriptionWire.maximumRows) { try SubscriptionWire.decode(&$0) })
        case 1: self = .threw(try reader.string(maximumBytes: WebhookLimits.maximumMessageBytes))
        default: throw WireError("an unknown subscriptions answer")
        }
    }
}

public enum WebhookWireCoding {
    public static func encode(_ webhook: PaymentWebhook, to writer: inout WireWriter) {
        writer.string(webhook.paymentId)
        writer.string(webhook.status.rawValue)
        writer.int(webhook.amount)
        writer.string(webhook.userId)
        writer.string(webhook.idempotencyKey)
    }

    public static func decodeWebhook(_ reader: inout WireReader) throws -> PaymentWebhook {
        let limit = WebhookLimits.maximumIDBytes
        let paymentId = try reader.string(maximumBytes: limit)
        guard let status = PaymentStatus(rawValue: try reader.string(maximumBytes: 16)) else { throw WireError("an unknown payment status") }
        return PaymentWebhook(paymentId: paymentId, status: status, amount: try reader.int(),
                              userId: try reader.string(maximumBytes: limit), idempotencyKey: try reader.string(maximumBytes: limit))
    }
}
