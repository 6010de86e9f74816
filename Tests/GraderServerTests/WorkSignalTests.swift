import Foundation
@testable import GraderServer
import Testing

/// An idle worker wakes when a job is queued, including one queued while it was looking. The
/// waits below allow an hour: only a wake-up ends them within the test's time limit.
@Suite(.timeLimit(.minutes(1))) struct WorkSignalTests {
    @Test func aNotifyBetweenLookingAndWaitingIsNotLost() async {
        let signal = WorkSignal()
        let seen = signal.generation
        signal.notify()
        await signal.wait(since: seen, timeout: .seconds(3600))
    }

    @Test func aWaitEndsOnNotifyOrTimeout() async throws {
        let signal = WorkSignal()
        let quiet = ContinuousClock.now
        await signal.wait(since: signal.generation, timeout: .milliseconds(100))
        #expect(ContinuousClock.now - quiet >= .milliseconds(100), "a wait with nothing queued lasts its timeout")

        let seen = signal.generation
        let waiter = Task { await signal.wait(since: seen, timeout: .seconds(3600)) }
        try await Task.sleep(for: .milliseconds(50))
        signal.notify()
        await waiter.value
    }
}
