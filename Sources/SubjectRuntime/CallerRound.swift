import Synchronization
import Wire

/// Runs a check's concurrent callers in the subject (the users of a reservation storm, the
/// deliveries of a webhook round): each request in a task of its own, running as its caller
/// (``ServiceCaller``) on the ``RoundRobinExecutor``'s threads, its answer reported to the driver
/// on `service` the moment it is known (the driver stops waiting for that caller then). It judges
/// nothing.
public enum CallerRound {
    /// Runs `body` for every request at once; answers how many had started when the first one
    /// finished (evidence of overlap) and every answer, in the order of `requests`. A report is the
    /// caller's number, then what `encode` writes.
    public static func run<Request: Sendable, Answer: Sendable>(
        _ requests: [Request], caller: @escaping @Sendable (Request) -> Int, placeholder: Answer,
        report service: String, transport: any ServiceTransport,
        encode: @escaping @Sendable (Answer, inout WireWriter) -> Void,
        _ body: @escaping @Sendable (Request) async -> Answer
    ) async -> (startedAtFirstFinish: Int, answers: [Answer]) {
        let progress = Progress(count: requests.count, placeholder: placeholder)
        let gate = StartGate(count: requests.count)
        await withTaskGroup(of: Void.self) { group in
            for (index, request) in requests.enumerated() {
                group.addTask(executorPreference: RoundRobinExecutor.shared) {
                    progress.started()
                    await gate.arrive()
                    let answer = await ServiceCaller.$current.withValue(caller(request)) {
                        await body(request)
                    }
                    progress.finished(index, answer)
                    var report = WireWriter()
                    report.int(caller(request))
                    encode(answer, &report)
                    _ = try? await transport.call(service: service, report.bytes)
                }
            }
        }
        return (progress.startedAtFirstFinish, progress.answers)
    }

    /// Holds every caller's task until all have been created, then lets them go at once: the
    /// tasks created first would otherwise run their first steps one after another on one thread
    /// while the rest are still being created, and ThreadSanitizer would see no two callers' code
    /// run together. Its lock is not one ThreadSanitizer sees, so it orders nothing for it.
    private final class StartGate: Sendable {
        private let state: Mutex<(remaining: Int, waiting: [UnsafeContinuation<Void, Never>])>

        init(count: Int) { state = Mutex((count, [])) }

        func arrive() async {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let released: [UnsafeContinuation<Void, Never>] = state.withLock { state in
                    state.remaining -= 1
                    state.waiting.append(continuation)
                    guard state.remaining <= 0 else { return [] }
                    defer { state.waiting = [] }
                    return state.waiting
                }
                for waiting in released { waiting.resume() }
            }
        }
    }

    /// Each request's answer, and how many had started when the first finished.
    private final class Progress<Answer: Sendable>: Sendable {
        private let state: Mutex<(started: Int, atFirstFinish: Int?, answers: [Answer])>

        init(count: Int, placeholder: Answer) { state = Mutex((0, nil, Array(repeating: placeholder, count: count))) }

        func started() { state.withLock { $0.started += 1 } }

        func finished(_ index: Int, _ answer: Answer) {
            state.withLock { state in
                if state.atFirstFinish == nil { state.atFirstFinish = state.started }
                state.answers[index] = answer
            }
        }

        var startedAtFirstFinish: Int { state.withLock { $0.atFirstFinish ?? 0 } }
        var answers: [Answer] { state.withLock { $0.answers } }
    }
}
