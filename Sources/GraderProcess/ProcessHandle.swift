#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A started process as its caller can reach it: its id, and a way to end it early.
///
/// The runner fills it in when the process starts. ``stop()`` before that stops the process as
/// soon as it starts; after it ended, it does nothing.
public final class ProcessHandle: Sendable {
    private struct State {
        var processID: Int32?
        var stop: (@Sendable () -> Void)?
        var stopRequested = false
        var ended = false
    }

    private let state = Mutex<State>(State())

    public init() {}

    /// The id of the process the runner started (for a sandboxed one, its launcher).
    public var processID: Int32? { state.withLock { $0.ended ? nil : $0.processID } }

    /// Ends the process now: a sandboxed one through its launcher (which still writes a verdict),
    /// a direct one by killing its process group.
    public func stop() {
        let action = state.withLock { state -> (@Sendable () -> Void)? in
            state.stopRequested = true
            return state.ended ? nil : state.stop
        }
        action?()
    }

    /// Called by the runner once the process exists.
    func started(processID: Int32, stop: @escaping @Sendable () -> Void) {
        let stopNow = state.withLock { state -> Bool in
            state.processID = processID
            state.stop = stop
            return state.stopRequested
        }
        if stopNow { stop() }
    }

    /// Called by the runner once the process has ended (its id may be reused from then on).
    func ended() {
        state.withLock { $0.ended = true }
    }
}
