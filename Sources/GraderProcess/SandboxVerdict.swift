/// The launcher's JSON verdict (`grader.sandbox-verdict/v1`).
struct SandboxVerdict: Decodable {
    struct Violation: Decodable {
        var syscall: String?
        var number: Int
    }
    struct Isolation: Decodable {
        var root: Bool
        var namespaces: [String]
        var privateRoot: Bool
        var uid: UInt32
        var uidSwitched: Bool
        var seccomp: Bool
        var memory: String
        var notes: String
    }

    var schema: String
    var setupError: String?
    var exitCode: Int32?
    var signal: Int32?
    var wallSeconds: Double
    var cpuSeconds: Double
    var peakMemoryBytes: Int64
    var limitHit: String?
    var violation: Violation?
    var isolation: Isolation

    var termination: ProcessResult.Termination? {
        if let signal { return .signaled(signal) }
        if let exitCode { return .exited(exitCode) }
        return nil
    }
}
