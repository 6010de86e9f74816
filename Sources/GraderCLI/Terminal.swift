#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GraderModel
import GraderPipeline
import Synchronization

/// Messages and progress on standard error (standard output carries only results).
enum Terminal {
    static func error(_ message: String) {
        write(message.hasSuffix("\n") ? message : message + "\n")
    }

    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }

    static var isInteractive: Bool { isatty(2) == 1 }

    /// A progress sink: one rewritten line on a terminal, plain lines otherwise.
    static func progress() -> @Sendable (GradingEvent) -> Void {
        let interactive = isInteractive
        return { event in
            let line: String
            switch event {
            case .preparingCheckModule(let challenge): line = "preparing the \(challenge) check module (built once per grader version)…"
            case .compiling: line = "compiling…"
            case .runningChecks(let total): line = "running \(total) checks…"
            case .checkFinished(let outcome, let done, let total):
                line = "checks \(done)/\(total): \(outcome.id) \(outcome.status.rawValue)"
            case .retrying(let attempt, let reason): line = "grader failure, retrying (attempt \(attempt)): \(reason.prefix(200))"
            case .racePass(let checks):
                line = "race pass: building with ThreadSanitizer and running \(checks) concurrent checks again…"
            case .racePassFinished(let outcome): line = "race pass: \(outcome.id) \(outcome.status.rawValue)"
            }
            if interactive {
                write("\r\u{1B}[2K" + line)
                if case .checkFinished(_, let done, let total) = event, done == total { write("\n") }
                if case .retrying = event { write("\n") }
                if case .racePassFinished = event { write("\n") }
            } else {
                write(line + "\n")
            }
        }
    }
}
