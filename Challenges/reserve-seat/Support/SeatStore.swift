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
        case memory(InMemorySeatTable)
        case remote(store: Int, transport: any ServiceTransport)
    }

    private let backend: Backend

    /// An in-memory store holding `seats`, all free (version 0).
    ///
    /// - Parameters:
    ///   - latency: each call takes a random time in this range (a real sleep).
    ///   - timeoutRate: the probability that a call throws ``StoreTimeout``; a timed-out write is
    ///     applied or not, at random.
    ///   - seed: seeds the latencies and timeouts, so a test can be repeated.
    public init(seats: [String], latency: ClosedRange<Duration> = .zero ... .zero, timeoutRate: Double = 0,
                seed: UInt64 = 0) {
        backend = .memory(InMemorySeatTable(seats: seats, latency: latency, timeoutRate: timeoutRate, seed: seed))
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
        case .memory(let table):
            return try await table.perform { try $0.read(seatId) }
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
        case .memory(let table):
            try await table.perform { try $0.write(seatId, holder: holder) }
        case .remote(let store, let transport):
            let reply = try await Self.call(transport, store: store, .write, seatId: seatId, holder: holder)
            try reply.finish()
        }
    }

    /// Sets the seat's holder only if its version is still `expectedVersion`; answers whether it did.
    /// Answers false for a seat the store does not have.
    public func compareAndSet(_ seatId: String, expectedVersion: Int, holder: String?) async throws -> Bool {
        switch backend {
        case .memory(let table):
            return try await table.perform { try $0.compareAndSet(seatId, expectedVersion: expectedVersion, holder: holder) }
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
    struct Table {
        var rows: [String: (holder: String?, version: Int)]
        var random: SplitMix

        func read(_ seatId: String) throws -> SeatStore.Row? {
            rows[seatId].map { SeatStore.Row(seatId: seatId, holder: $0.holder, version: $0.version) }
        }

        mutating func write(_ seatId: String, holder: String?) throws {
            guard let row = rows[seatId] else { return }
            rows[seatId] = (holder, row.version + 1)
        }

        mutating func compareAndSet(_ seatId: String, expectedVersion: Int, holder: String?) throws -> Bool {
            guard let row = rows[seatId], row.version == expectedVersion else { return false }
            rows[seatId] = (holder, row.version + 1)
            return true
        }
    }

    private let table: Mutex<Table>
    private let latency: ClosedRange<Duration>
    private let timeoutRate: Double

    init(seats: [String], latency: ClosedRange<Duration>, timeoutRate: Double, seed: UInt64) {
        var rows: [String: (holder: String?, version: Int)] = [:]
        for seat in seats { rows[seat] = (nil, 0) }
        table = Mutex(Table(rows: rows, random: SplitMix(state: seed)))
        self.latency = latency
        self.timeoutRate = timeoutRate
    }

    /// Waits the latency, then applies `body` to the table or times out (before or after it).
    func perform<T: Sendable>(_ body: (inout Table) throws -> T) async throws -> T {
        let (delay, timesOut, afterEffect) = table.withLock { table in
            let low = latency.lowerBound, high = latency.upperBound
            let delay = low + (high - low) * table.random.fraction()
            return (delay, table.random.fraction() < timeoutRate, table.random.fraction() < 0.5)
        }
        if delay > .zero { try await Task.sleep(for: delay) }
        if timesOut && !afterEffect { throw StoreTimeout() }
        let result = try table.withLock { try body(&$0) }
        if timesOut { throw StoreTimeout() }
        return result
    }
}

/// A small seeded generator (SplitMix64) for the in-memory simulations.
struct SplitMix: Sendable {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func fraction() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
