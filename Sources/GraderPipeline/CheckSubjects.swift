#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GraderProcess
import Synchronization
import Wire

/// The subject processes of one check: the one it starts with, and those its driver asks for
/// (``Frame/Kind/subjectRequest``) when a scenario's instances stand for separate servers. Each is
/// a sandboxed process of its own, started from the same request with its own work directory and
/// channel; the grader keeps their handles (to measure and stop them) and their results.
final class CheckSubjects: Sendable {
    private struct Launched {
        var handle: ProcessHandle
        var run: Task<Result<ProcessResult, any Error>, Never>
    }

    private let runner: any ProcessRunner
    /// The first subject's request; the others differ in their folder and channel.
    private let template: ProcessRequest
    private let directory: URL
    private let launched = Mutex<[Launched]>([])
    private let stopped = Atomic<Bool>(false)

    init(runner: any ProcessRunner, template: ProcessRequest, directory: URL) {
        self.runner = runner
        self.template = template
        self.directory = directory
    }

    /// Starts a subject on `channel` (its end of the socket, which the runner takes); answers its number.
    @discardableResult
    func launch(channel: Int32) throws -> Int {
        let index = launched.withLock { $0.count }
        var request = template
        if index > 0 {
            let folder = directory.appendingPathComponent("subject-\(index)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            request.workingDirectory = folder.path
            request.environment["HOME"] = folder.path
            request.environment["TMPDIR"] = folder.path
        }
        let handle = ProcessHandle()
        request.handle = handle
        request.channel = ProcessChannel(input: channel)
        let runner = runner
        let run = Task { await CheckRunner.capture { try await runner.run(request) } }
        launched.withLock { $0.append(Launched(handle: handle, run: run)) }
        if stopped.load(ordering: .acquiring) { handle.stop() }
        return index
    }

    /// Another subject for the driver, on a fresh socket pair: answers the driver's end (the
    /// caller passes it on and closes it) and the subject's number, or why it could not.
    func launchForDriver() -> Result<(descriptor: Int32, index: Int), SubjectLaunchFailure> {
        guard launched.withLock({ $0.count }) < SubjectStart.maximumSubjects else {
            return .failure(SubjectLaunchFailure("a check runs at most \(SubjectStart.maximumSubjects) subjects"))
        }
        guard !stopped.load(ordering: .acquiring) else { return .failure(SubjectLaunchFailure("the check is being stopped")) }
        guard let pair = CheckRunner.socketPair() else { return .failure(SubjectLaunchFailure("socketpair failed: errno \(errno)")) }
        do {
            let index = try launch(channel: pair.0)
            return .success((pair.1, index))
        } catch {
            close(pair.0)
            close(pair.1)
            return .failure(SubjectLaunchFailure("\(error)"))
        }
    }

    var count: Int { launched.withLock { $0.count } }

    /// The launcher's process id of subject `index`, while it runs.
    func processID(_ index: Int) -> Int32? {
        launched.withLock { index < $0.count ? $0[index].handle.processID : nil }
    }

    /// Stops every subject, and any started from now on.
    func stopAll() {
        stopped.store(true, ordering: .releasing)
        for subject in launched.withLock({ $0 }) { subject.handle.stop() }
    }

    /// Whether the first subject's start failed (the driver would wait for its hello in vain).
    func firstFailedToStart() async -> Bool {
        guard let first = launched.withLock({ $0.first }) else { return false }
        if case .failure = await first.run.value { return true }
        return false
    }

    /// Every subject's result, in the order they were started, once all have ended.
    func results() async -> [Result<ProcessResult, any Error>] {
        var results: [Result<ProcessResult, any Error>] = []
        var index = 0
        while let next = launched.withLock({ index < $0.count ? $0[index] : nil }) {
            results.append(await next.run.value)
            index += 1
        }
        return results
    }
}

/// Why the grader could not start a subject the driver asked for.
struct SubjectLaunchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
