import Synchronization

/// Wakes idle workers when a job is queued, so a submission does not wait for the next poll.
final class WorkSignal: Sendable {
    private let generation = Mutex<(count: UInt64, waiters: [UInt64: CheckedContinuation<Void, Never>])>((0, [:]))
    private let nextWaiter = Atomic<UInt64>(0)

    /// Wakes every waiting worker.
    func notify() {
        let waiters = generation.withLock { state in
            state.count &+= 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when ``notify()`` is called or `timeout` passes, whichever is first (or at once if cancelled).
    func wait(timeout: Duration) async {
        let id = nextWaiter.add(1, ordering: .relaxed).newValue
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let resumeNow = self.generation.withLock { state -> Bool in
                            if Task.isCancelled { return true }
                            state.waiters[id] = continuation
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    self.generation.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }
}
