/// The launcher's JSON verdict (`grader.sandbox-verdict/v1`).
struct SandboxVerdict: Decodable {
    struct Violation: Decodable {
        var syscall: String?
        var number: Int
    }

    var schema: String
    var setupError: String?
    var exitCode: Int32?
    var signal: Int32?
    var wallSeconds: Double
    var cpuSeconds: Double
    var peakMemoryBytes: Int64
    var limitHit: String?
    /// The launcher ended the program because the grader asked it to (SIGTERM).
    var stopped: Bool?
    var violation: Violation?
    var isolation: SandboxIsolation

    var termination: ProcessResult.Termination? {
        if let signal { return .signaled(signal) }
        if let exitCode { return .exited(exitCode) }
        return nil
    }
}
