import Synchronization
import Wire

/// A simulated seat table: the system of record for who holds which seat.
///
/// Every call is an async round trip that may take a while and may throw ``StoreTimeout``. A
/// timed-out `read` did nothing; a timed-out `write` or `compareAndSet` may or may not have been
/// applied (the request may have reached the store and only the answer been lost).
///
/// Each seat has a `version` that starts at 0 and grows by one with every write that is applied,
/// so `compareAndSet` succeeds only if nobody wrote the seat since you read it.
///
/// In your own tests, `SeatStore(seats:…)` keeps the table in memory, with the latency and the
/// timeouts you ask for. When the grader runs your code, the store you are given lives in the
/// grader, which chooses the latency of each call, the order in which concurrent calls complete,
/// and which calls time out.
public final class SeatStore: Sendable {
    /// One seat as the store records it.
    public struct Row: Sendable, Equatable {
        public let seatId: String
        /// The user holding the seat, or nil when it is free.
        public let holder: String?
        /// Grows by one with every applied write of this seat.
        public let version: Int

        public init(seatId: String, holder: String?, version: Int) {
            self.seatId = seatId
            self.holder = holder
            self.version = version
        }
    }

    private enum Backend: Sendable {
        case memory(InMemorySeatTable, InMemoryServiceBehavior)
        case remote(store: Int, transport: any ServiceTransport)
    }

    private let backend: Backend

    /// An in-memory store holding `seats`, all free (version 0).
    ///
    /// - Parameters:
    ///   - latency: each call takes a random time in this range (a real sleep).
    ///   - timeoutRate: the probability that a call throws ``StoreTimeout``; a timed-out write is
    ///     applied or not, at random.
    ///   - seed: seeds the latencies and timeouts (drawn in the order calls are made), so a
    ///     single-threaded test can be repeated.
    public init(seats: [String], latency: ClosedRange<Duration> = .zero ... .zero, timeoutRate: Double = 0,
                seed: UInt64 = 0) {
        backend = .memory(InMemorySeatTable(seats: seats),
                          InMemoryServiceBehavior(latency: latency, failureRate: timeoutRate, seed: seed))
    }

    /// A store that lives in the grader's driver, reached through `transport` (the grader's
    /// subject runtime creates these; a candidate has no use for it).
    @_spi(GraderWire)
    public init(remoteStore store: Int, transport: any ServiceTransport) {
        backend = .remote(store: store, transport: transport)
    }

    /// The seat's row, or nil when the store has no such seat.
    public func read(_ seatId: String) async throws -> Row? {
        switch backend {
        case .memory(let table, let behavior):
            return try await behavior.perform(writes: false, failure: { StoreTimeout() }) { table.read(seatId) }
        case .remote(let store, let transport):
            var reply = try await Self.call(transport, store: store, .read, seatId: seatId)
            guard try reply.bool() else { return nil }
            let row = Row(seatId: seatId, holder: try reply.optionalString(maximumBytes: SeatStoreWire.maximumIDBytes),
                          version: try reply.int())
            try reply.finish()
            return row
        }
    }

    /// Sets the seat's holder (nil frees it), whatever it was: the last writer wins. Does nothing
    /// for a seat the store does not have.
    public func write(_ seatId: String, holder: String?) async throws {
        switch backend {
        case .memory(let table, let behavior):
            try await behavior.perform(writes: true, failure: { StoreTimeout() }) { table.write(seatId, holder: holder) }
        case .remote(let store, let transport):
            let reply = try await Self.call(transport, store: store, .write, seatId: seatId, holder: holder)
            try reply.finish()
        }
    }

    /// Sets the seat's holder only if its version is still `expectedVersion`; answers whether it did.
    /// Answers false for a seat the store does not have.
    public func compareAndSet(_ seatId: String, expectedVersion: Int, holder: String?) async throws -> Bool {
        switch backend {
        case .memory(let table, let behavior):
            return try await behavior.perform(writes: true, failure: { StoreTimeout() }) {
                table.compareAndSet(seatId, expectedVersion: expectedVersion, holder: holder)
            }
        case .remote(let store, let transport):
            var reply = try await Self.call(transport, store: store, .compareAndSet, seatId: seatId, holder: holder,
                                            expectedVersion: expectedVersion)
            let applied = try reply.bool()
            try reply.finish()
            return applied
        }
    }

    private static func call(_ transport: any ServiceTransport, store: Int, _ operation: SeatStoreWire.Operation,
                             seatId: String, holder: String? = nil, expectedVersion: Int = 0) async throws -> WireReader {
        var call = WireWriter()
        call.int(store)
        call.int(ServiceCaller.current)
        call.byte(operation.rawValue)
        call.string(seatId)
        call.optionalString(holder)
        call.int(expectedVersion)
        var reply = WireReader(try await transport.call(service: SeatStoreWire.service, call.bytes))
        switch try reply.byte() {
        case SeatStoreWire.ok: return reply
        case SeatStoreWire.timedOut:
            try reply.finish()
            throw StoreTimeout()
        default: throw WireError("a malformed seat store reply")
        }
    }
}

/// How the seat store's calls travel to the grader's driver (shared by the support module and the
/// driver's simulated store; nothing in it is hidden).
@_spi(GraderWire)
public enum SeatStoreWire {
    public static let service = "seat-store"
    public static let ok: UInt8 = 0
    public static let timedOut: UInt8 = 1
    public static let maximumIDBytes = 256

    public enum Operation: UInt8, Sendable {
        case read = 0, write = 1, compareAndSet = 2
    }
}

/// The in-memory table behind `SeatStore(seats:…)`.
final class InMemorySeatTable: Sendable {
    private let rows: Mutex<[String: (holder: String?, version: Int)]>

    init(seats: [String]) {
        rows = Mutex(Dictionary(seats.map { ($0, (nil, 0)) }, uniquingKeysWith: { first, _ in first }))
    }

    func read(_ seatId: String) -> SeatStore.Row? {
        rows.withLock { $0[seatId].map { SeatStore.Row(seatId: seatId, holder: $0.holder, version: $0.version) } }
    }

    func write(_ seatId: String, holder: String?) {
        rows.withLock { rows in
            guard let row = rows[seatId] else { return }
            rows[seatId] = (holder, row.version + 1)
        }
    }

    func compareAndSet(_ seatId: String, expectedVersion: Int, holder: String?) -> Bool {
        rows.withLock { rows in
            guard let row = rows[seatId], row.version == expectedVersion else { return false }
            rows[seatId] = (holder, row.version + 1)
            return true
        }
    }
}
