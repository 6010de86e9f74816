import Synchronization
import Wire

/// Routes a check's service calls to the simulation that owns what each call names, when a check
/// has several simulations (one per round, a rehearsal's beside the scenario's).
///
/// Object ids (a store, a database) are handed out here, unique in the driver process, and a
/// round's callers are claimed by the simulation that runs the round. A call names its object, or
/// its caller, first; the router reads that id and hands the call to its owner. So a call from a
/// task left running after an earlier round reaches that round's tables, never a later round's,
/// and a call naming an object no simulation holds fails the check.
public final class ServiceDirectory: Sendable {
    /// The driver process's directory (one check per process).
    public static let shared = ServiceDirectory()

    /// How a service's calls name their owner: by the object they are about, or by their caller.
    public enum Route: Sendable {
        case object
        case caller
    }

    private struct State {
        var nextObject = 1
        var objects: [Int: any ServiceHandler] = [:]
        var callers: [Int: any ServiceHandler] = [:]
        /// The owner that claimed callers last: where calls from no caller of any round go.
        var latest: (any ServiceHandler)?
    }

    private let state = Mutex(State())

    public init() {}

    /// A fresh object id, owned by `owner`.
    public func newObject(owner: any ServiceHandler) -> Int {
        state.withLock { state in
            let id = state.nextObject
            state.nextObject += 1
            state.objects[id] = owner
            return id
        }
    }

    /// `callers` (a round's participants) are `owner`'s from now on; a later claim of the same
    /// number takes it over (a round's reports only come while it runs).
    public func claim(callers: some Sequence<Int>, owner: any ServiceHandler) {
        state.withLock { state in
            for caller in callers { state.callers[caller] = owner }
            state.latest = owner
        }
    }

    /// The handler to serve a service with: it reads the id the call starts with and forwards the
    /// call, unchanged, to that id's owner.
    public func router(_ route: Route) -> any ServiceHandler {
        Router(directory: self, route: route)
    }

    func owner(of id: Int, _ route: Route) -> (any ServiceHandler)? {
        state.withLock { state in
            switch route {
            case .object: state.objects[id]
            case .caller: state.callers[id] ?? (id < 0 ? state.latest : nil)
            }
        }
    }

    private struct Router: ServiceHandler {
        let directory: ServiceDirectory
        let route: Route

        func handle(_ call: ServiceCall) async throws -> [UInt8] {
            var body = WireReader(call.body)
            let id: Int
            do {
                id = try body.int(in: -1...Int(Int32.max))
            } catch let error as WireError {
                throw CheckFailure("a malformed \(call.service) call: \(error.message)")
            }
            guard let owner = directory.owner(of: id, route) else {
                throw CheckFailure(route == .object
                    ? "a \(call.service) call about object \(id), which no simulation of this check holds"
                    : "a \(call.service) call from caller \(id), which no round of this check started")
            }
            return try await owner.handle(call)
        }
    }
}
