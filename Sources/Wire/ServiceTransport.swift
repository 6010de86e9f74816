import Synchronization

/// How a challenge's support types reach a simulated service that lives in the driver.
///
/// The subject runtime installs one at start; a support type (say `SeatStore`) sends its calls
/// through it when one is installed and runs its in-memory implementation otherwise, so the same
/// type works in a candidate's own test program.
public protocol ServiceTransport: Sendable {
    /// Sends `call` to the driver's `service` and suspends until the driver answers. Throws
    /// ``ServiceCallFailed`` when the driver answers with a failure.
    func call(service: String, _ call: [UInt8]) async throws -> [UInt8]
}

/// A service call the driver answered with a failure; `message` is what it said.
public struct ServiceCallFailed: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// The process's service transport, if a driver is attached.
public enum ServiceTransports {
    private static let slot = Mutex<(any ServiceTransport)?>(nil)

    /// The installed transport, or nil when the support types should run in memory.
    public static var current: (any ServiceTransport)? { slot.withLock { $0 } }

    /// Installs the transport; the subject runtime does this once, before any candidate code runs.
    public static func install(_ transport: any ServiceTransport) {
        slot.withLock { $0 = transport }
    }
}

/// Who is making a service call: the subject runtime numbers the concurrent callers it starts (a
/// user, a delivery) and runs each with its number here, and support types put it in their calls,
/// so the driver can show a failing interleaving as each caller's operations in order and knows
/// which caller is waiting. It travels with the task (and tasks it creates), not with threads the
/// candidate's code starts. Self-reported by the subject: evidence and scheduling keys, never a verdict.
public enum ServiceCaller {
    @TaskLocal public static var current: Int = -1
}
