#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GraderProcess
import Testing

/// What the grader reads about a process from `/proc`, on processes whose state the test knows.
@Suite struct ProcessProbeTests {
    @Test func aLiveProcessIsRunningAndAZombieOrAMissingOneIsNot() throws {
        #expect(ProcessProbe.isRunning(getpid()))

        let child = fork()
        try #require(child >= 0)
        if child == 0 { _exit(0) }
        // Not reaped yet: a zombie until `waitpid`, which has ended although `/proc` still lists it.
        var zombie = false
        for _ in 0..<500 where !zombie {
            zombie = (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8))?.contains(") Z ") ?? false
            if !zombie { usleep(2_000) }
        }
        #expect(zombie, "the child became a zombie within a second")
        #expect(!ProcessProbe.isRunning(child))
        var status: Int32 = 0
        waitpid(child, &status, 0)
        #expect(!ProcessProbe.isRunning(child), "a reaped process is gone")
    }

    /// The thread asking is running, so its own process has one runnable thread at least; a
    /// process whose threads cannot be listed is unknown (nil), never idle (0), which would let the
    /// services' timeline complete a call before the subject has made all of its own.
    @Test func runnableThreadsAreCountedAndUnknownIsNotIdle() {
        #expect((ProcessProbe.runnableThreads(getpid()) ?? 0) >= 1)
        #expect(ProcessProbe.runnableThreads(Int32.max) == nil)
    }

    @Test func aDescriptorTargetNamesThePipeOrSaysWhyNot() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let target = try ProcessProbe.descriptorTarget(getpid(), ends[1]).get()
        #expect(target.hasPrefix("pipe:["))
        #expect(try ProcessProbe.descriptorTarget(getpid(), ends[0]).get() == target, "both ends name one pipe")

        guard case .failure(let error) = ProcessProbe.descriptorTarget(getpid(), 1_000_000) else {
            Issue.record("a descriptor that is not open has no target")
            return
        }
        #expect(error.code == ENOENT && error.isMissing)
    }
}

