import Synchronization

/// Wakes idle workers when a job is queued, so a submission does not wait for the next poll.
///
/// A worker reads ``generation`` before it looks for work and passes it to ``wait(since:timeout:)``,
/// which returns at once if a job was queued in between: no wake-up is lost.
final class WorkSignal: Sendable {
    private let state = Mutex<(generation: UInt64, waiters: [UInt64: CheckedContinuation<Void, Never>])>((0, [:]))
    private let nextWaiter = Atomic<UInt64>(0)

    var generation: UInt64 { state.withLock { $0.generation } }

    /// Wakes every waiting worker, and any that has not started waiting yet.
    func notify() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when ``notify()`` has been called since `generation` was read, when `timeout`
    /// passes, or when the task is cancelled, whichever is first.
    func wait(since generation: UInt64, timeout: Duration) async {
        let id = nextWaiter.add(1, ordering: .relaxed).newValue
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let resumeNow = self.state.withLock { state -> Bool in
                            if Task.isCancelled || state.generation != generation { return true }
                            state.waiters[id] = continuation
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }
}
