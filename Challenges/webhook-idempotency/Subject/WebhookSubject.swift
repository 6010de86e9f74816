@_spi(GraderWire) import Challenge
import SubjectRuntime
import Synchronization
import Wire

/// The contract of `PaymentWebhookHandler` as a protocol: what the subject drives.
///
/// The grader adds this conformance to your type for you (`Adapter.swift`, compiled with your
/// files); if your declarations do not match the contract, that conformance fails to compile and
/// the report says `contract_mismatch` with the compiler's message.
public protocol PaymentWebhookHandlerUnderTest: AnyObject {
    func handlePaymentWebhook(_ webhook: PaymentWebhook) async -> WebhookOutcome
    func getSubscriptionsByPaymentId(_ paymentId: String) async throws -> [Subscription]
    func deadLetters() async -> [PaymentWebhook]
    func replayDeadLetters() async -> [WebhookOutcome]
}

/// Creates handlers under test; the adapter implements it with
/// `PaymentWebhookHandler(database:sleeper:maxAttempts:)`.
public protocol PaymentWebhookHandlerMaker: Sendable {
    func make(database: SubscriptionDatabase, sleeper: any Sleeper, maxAttempts: Int) -> any PaymentWebhookHandlerUnderTest
}

/// The webhook-idempotency challenge's side of the subject: creates the candidate's handler on a
/// database and a sleeper that live in the driver, delivers the webhooks it is asked to all at
/// once, and reports what each delivery returned. It judges nothing.
public final class WebhookSubject: SubjectHandler {
    private let maker: any PaymentWebhookHandlerMaker
    private let handlers = Mutex<[Int: HandlerBox]>([:])

    public init(maker: some PaymentWebhookHandlerMaker) { self.maker = maker }

    public func perform(_ operation: String, _ arguments: inout WireReader) async throws -> [UInt8] {
        switch operation {
        case WebhookOperationName.create: return try create(&arguments)
        case WebhookOperationName.deliverAll: return try await deliverAll(&arguments)
        case WebhookOperationName.subscriptions:
            let (box, caller, transport) = try handler(&arguments)
            let paymentId = try arguments.string(maximumBytes: WebhookLimits.maximumIDBytes)
            try arguments.finish()
            let answer: WebhookListAnswer = await ServiceCaller.$current.withValue(caller) {
                do { return .rows(try await box.handler.getSubscriptionsByPaymentId(paymentId)) } catch { return .threw(String(describing: error)) }
            }
            await Self.report(caller, transport)
            var writer = WireWriter()
            answer.encode(to: &writer)
            return writer.bytes
        case WebhookOperationName.deadLetters:
            let (box, caller, transport) = try handler(&arguments)
            try arguments.finish()
            let letters = await ServiceCaller.$current.withValue(caller) { await box.handler.deadLetters() }
            await Self.report(caller, transport)
            var writer = WireWriter()
            writer.array(Array(letters.prefix(WebhookLimits.maximumDeliveries))) { WebhookWireCoding.encode($1, to: &$0) }
            return writer.bytes
        case WebhookOperationName.replay:
            let (box, caller, transport) = try handler(&arguments)
            try arguments.finish()
            let outcomes = await ServiceCaller.$current.withValue(caller) { await box.handler.replayDeadLetters() }
            await Self.report(caller, transport)
            var writer = WireWriter()
            writer.array(Array(outcomes.prefix(WebhookLimits.maximumDeliveries))) { WebhookAnswer($1).encode(to: &$0) }
            return writer.bytes
        default: throw UnknownOperation(operation)
        }
    }

    private func create(_ arguments: inout WireReader) throws -> [UInt8] {
        let id = try arguments.int(in: 0...Int(Int32.max))
        let database = try arguments.int(in: 0...Int(Int32.max))
        let maxAttempts = try arguments.int(in: 1...WebhookLimits.maximumMaxAttempts)
        try arguments.finish()
        guard let transport = ServiceTransports.current else { throw WireError("no service transport") }
        let handler = maker.make(database: SubscriptionDatabase(remoteDatabase: database, transport: transport),
                                 sleeper: VirtualSleeper(database: database, transport: transport), maxAttempts: maxAttempts)
        let added = handlers.withLock { handlers -> Bool in
            guard handlers[id] == nil else { return false }
            handlers[id] = HandlerBox(handler)
            return true
        }
        guard added else { throw WireError("handler \(id) exists already") }
        return []
    }

    private func handler(_ arguments: inout WireReader) throws -> (HandlerBox, Int, any ServiceTransport) {
        let id = try arguments.int(in: 0...Int(Int32.max))
        let caller = try arguments.int(in: 0...WebhookLimits.maximumCaller)
        guard let box = handlers.withLock({ $0[id] }) else { throw WireError("no handler \(id)") }
        guard let transport = ServiceTransports.current else { throw WireError("no service transport") }
        return (box, caller, transport)
    }

    private func deliverAll(_ arguments: inout WireReader) async throws -> [UInt8] {
        let id = try arguments.int(in: 0...Int(Int32.max))
        let deliveries = try arguments.array(maximum: WebhookLimits.maximumDeliveries) { try WebhookDelivery(from: &$0) }
        try arguments.finish()
        guard let box = handlers.withLock({ $0[id] }) else { throw WireError("no handler \(id)") }
        guard let transport = ServiceTransports.current else { throw WireError("no service transport") }
        let (started, answers) = await CallerRound.run(
            deliveries, caller: \.caller, placeholder: WebhookAnswer.ignored,
            report: WebhookDeliveriesService.name, transport: transport,
            encode: { answer, writer in
                writer.bool(true)
                answer.encode(to: &writer)
            }
        ) { delivery in
            WebhookAnswer(await box.handler.handlePaymentWebhook(delivery.webhook))
        }
        var answer = WireWriter()
        answer.int(started)
        answer.array(answers) { $1.encode(to: &$0) }
        return answer.bytes
    }

    /// Tells the driver that `caller` (a query of the handler's own, not a delivery) is done.
    static func report(_ caller: Int, _ transport: any ServiceTransport) async {
        var report = WireWriter()
        report.int(caller)
        report.bool(false)
        _ = try? await transport.call(service: WebhookDeliveriesService.name, report.bytes)
    }
}

/// The sleeper the candidate's handler is given: each sleep is a call to the driver, which answers
/// when its virtual clock has passed the duration. Nothing sleeps for real.
struct VirtualSleeper: Sleeper {
    /// The database of the handler it was made for: its simulation keeps the clock.
    let database: Int
    let transport: any ServiceTransport

    func sleep(for duration: Duration) async throws {
        let (seconds, attoseconds) = duration.components
        var call = WireWriter()
        call.int(database)
        call.int(ServiceCaller.current)
        call.int(max(0, min(Int(seconds), 86_400)) * 1_000_000_000 + max(0, Int(attoseconds / 1_000_000_000)))
        call.bool(seconds < 0 || attoseconds < 0)
        _ = try await transport.call(service: WebhookSleeperService.name, call.bytes)
    }
}

/// The candidate's handler, shared by the delivery tasks on purpose: sharing it is what is under test.
final class HandlerBox: @unchecked Sendable {
    // Safe: `handler` is immutable here; whatever state it holds is the candidate's to protect,
    // which is what the checks (and the race pass) judge.
    let handler: any PaymentWebhookHandlerUnderTest
    init(_ handler: any PaymentWebhookHandlerUnderTest) { self.handler = handler }
}
