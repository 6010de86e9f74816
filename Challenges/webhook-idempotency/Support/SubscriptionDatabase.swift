import Foundation
import Synchronization
import Wire

/// A simulated database: the system of record for subscriptions.
///
/// Every call is an async round trip that may throw ``DatabaseUnavailable``. A failed read did
/// nothing; a failed write **may or may not have been applied** (the row may have been written and
/// only the answer lost).
///
/// - `insertSubscription` has no uniqueness of its own: two inserts for one payment make two rows.
/// - `insertUnique(key:)` / `deleteUnique(key:)` are a table of unique keys, like
///   `INSERT … ON CONFLICT DO NOTHING`: `insertUnique` answers true when it inserted the key, false
///   when the key was there already.
///
/// In your own tests, `SubscriptionDatabase(failureRate:…)` keeps its tables in memory. When the
/// grader runs your code, the database you are given lives in the grader, which chooses the
/// latency of each call, the order in which concurrent calls complete, and which calls fail.
public final class SubscriptionDatabase: Sendable {
    private enum Backend: Sendable {
        case memory(InMemoryTables, InMemoryServiceBehavior)
        case remote(database: Int, transport: any ServiceTransport)
    }

    private let backend: Backend

    /// An in-memory database, empty.
    ///
    /// - Parameters:
    ///   - failureRate: the probability that a call throws ``DatabaseUnavailable``; a failing write
    ///     is applied or not, at random.
    ///   - latency: each call takes a random time in this range (a real sleep).
    ///   - seed: seeds the failures and latencies (drawn in the order calls are made), so a
    ///     single-threaded test can be repeated.
    public init(failureRate: Double = 0, latency: ClosedRange<Duration> = .zero ... .zero, seed: UInt64 = 0) {
        backend = .memory(InMemoryTables(), InMemoryServiceBehavior(latency: latency, failureRate: failureRate, seed: seed))
    }

    /// A database that lives in the grader's driver, reached through `transport` (the grader's
    /// subject runtime creates these; a candidate has no use for it).
    @_spi(GraderWire)
    public init(remoteDatabase database: Int, transport: any ServiceTransport) {
        backend = .remote(database: database, transport: transport)
    }

    /// Writes a subscription row. No uniqueness: inserting twice makes two rows.
    public func insertSubscription(_ subscription: Subscription) async throws {
        switch backend {
        case .memory(let tables, let behavior):
            try await behavior.perform(writes: true, failure: { DatabaseUnavailable() }) { tables.withLock { $0.rows.append(subscription) } }
        case .remote(let database, let transport):
            let reply = try await Self.call(transport, database, .insertSubscription) { SubscriptionWire.encode(subscription, to: &$0) }
            try reply.finish()
        }
    }

    /// Every row for `paymentId`, in insertion order.
    public func subscriptions(paymentId: String) async throws -> [Subscription] {
        switch backend {
        case .memory(let tables, let behavior):
            return try await behavior.perform(writes: false, failure: { DatabaseUnavailable() }) {
                tables.withLock { $0.rows.filter { $0.paymentId == paymentId } }
            }
        case .remote(let database, let transport):
            var reply = try await Self.call(transport, database, .subscriptions) { $0.string(paymentId) }
            let rows = try reply.array(maximum: SubscriptionWire.maximumRows) { try SubscriptionWire.decode(&$0) }
            try reply.finish()
            return rows
        }
    }

    /// Inserts `key` into the unique-key table; answers false when it was there already.
    public func insertUnique(key: String) async throws -> Bool {
        switch backend {
        case .memory(let tables, let behavior):
            return try await behavior.perform(writes: true, failure: { DatabaseUnavailable() }) { tables.withLock { $0.keys.insert(key).inserted } }
        case .remote(let database, let transport):
            var reply = try await Self.call(transport, database, .insertUnique) { $0.string(key) }
            let inserted = try reply.bool()
            try reply.finish()
            return inserted
        }
    }

    /// Deletes `key` from the unique-key table (nothing happens if it is absent).
    public func deleteUnique(key: String) async throws {
        switch backend {
        case .memory(let tables, let behavior):
            try await behavior.perform(writes: true, failure: { DatabaseUnavailable() }) { _ = tables.withLock { $0.keys.remove(key) } }
        case .remote(let database, let transport):
            let reply = try await Self.call(transport, database, .deleteUnique) { $0.string(key) }
            try reply.finish()
        }
    }

    private static func call(_ transport: any ServiceTransport, _ database: Int, _ operation: SubscriptionWire.Operation,
                             _ arguments: (inout WireWriter) -> Void) async throws -> WireReader {
        var call = WireWriter()
        call.int(database)
        call.int(ServiceCaller.current)
        call.byte(operation.rawValue)
        arguments(&call)
        var reply = WireReader(try await transport.call(service: SubscriptionWire.service, call.bytes))
        switch try reply.byte() {
        case SubscriptionWire.ok: return reply
        case SubscriptionWire.unavailable:
            try reply.finish()
            throw DatabaseUnavailable()
        default: throw WireError("a malformed database reply")
        }
    }
}

/// How the database's calls travel to the grader's driver (shared by the support module and the
/// driver's simulated database; nothing in it is hidden).
@_spi(GraderWire)
public enum SubscriptionWire {
    public static let service = "subscription-db"
    public static let ok: UInt8 = 0
    public static let unavailable: UInt8 = 1
    public static let maximumIDBytes = 256
    public static let maximumRows = 10_000

    public enum Operation: UInt8, Sendable, CaseIterable {
        case insertSubscription = 0, subscriptions = 1, insertUnique = 2, deleteUnique = 3

        public var name: String {
            switch self {
            case .insertSubscription: "insertSubscription"
            case .subscriptions: "subscriptions"
            case .insertUnique: "insertUnique"
            case .deleteUnique: "deleteUnique"
            }
        }
    }

    public static func encode(_ subscription: Subscription, to writer: inout WireWriter) {
        writer.string(subscription.id)
        writer.string(subscription.userId)
        writer.string(subscription.paymentId)
        writer.int(subscription.amount)
        writer.double(subscription.createdAt.timeIntervalSince1970)
    }

    public static func decode(_ reader: inout WireReader) throws -> Subscription {
        Subscription(id: try reader.string(maximumBytes: maximumIDBytes), userId: try reader.string(maximumBytes: maximumIDBytes),
                     paymentId: try reader.string(maximumBytes: maximumIDBytes), amount: try reader.int(),
                     createdAt: Date(timeIntervalSince1970: try reader.double()))
    }
}

/// The in-memory tables behind `SubscriptionDatabase(failureRate:…)`.
final class InMemoryTables: Sendable {
    struct Tables {
        var rows: [Subscription] = []
        var keys: Set<String> = []
    }

    private let tables = Mutex(Tables())

    func withLock<T>(_ body: (inout Tables) throws -> T) rethrows -> T { try tables.withLock { try body(&$0) } }
}
