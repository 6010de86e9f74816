import Synchronization
import Wire

/// A simulated shared counter, in the shape of the challenges' simulated stores (a fixture of the
/// service channel's tests; no challenge uses it).
///
/// `increment(by:caller:)` adds `amount` and answers the counter's value right after the increment.
/// With a driver attached (the subject runtime installs a transport before any candidate code
/// runs), the counter lives in the driver, which decides when each call completes; without one
/// (a candidate's own test program) it lives here, in memory, and answers the same way.
public final class CounterService: Sendable {
    public static let serviceName = "counter"
    private let local = Mutex<Int>(0)

    public init() {}

    public func increment(by amount: Int, caller: Int) async throws -> Int {
        guard let transport = ServiceTransports.current else {
            return local.withLock { value in
                value += amount
                return value
            }
        }
        var call = WireWriter()
        call.int(amount)
        call.int(caller)
        var reply = WireReader(try await transport.call(service: Self.serviceName, call.bytes))
        let value = try reply.int()
        try reply.finish()
        return value
    }
}
