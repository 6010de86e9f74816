import Foundation
import GraderProcess

/// Whether a subject's standard error still went where its sandbox connected it, read from
/// `/proc` outside the subject: the race pass's check that ThreadSanitizer's reports (written to
/// descriptor 2) reached the grader.
///
/// The end marker alone shows that the subject's last write arrived; a subject that moved
/// descriptor 2 onto a pipe of its own and forwarded everything but the reports would still
/// deliver it. The grader takes a probe every ``interval`` while the check runs and once more after
/// the marker; one that ever saw descriptor 2 elsewhere decides (a correct subject never moves it),
/// so putting the sandbox's pipe back before the marker does not clear a subject either, unless it
/// filtered only between two probes.
enum StandardErrorProbe: Sendable, Equatable {
    /// Descriptor 2 of the subject and of its launcher name the same pipe.
    case connected
    /// Descriptor 2 of the subject names something else (or is closed: `target` nil).
    case redirected(target: String?)
    /// The subject was not running (not yet started, or ended).
    case unknown
    /// The grader may not read the descriptors (`/proc` refused): the host's fault, never the
    /// subject's. The race pass then cannot judge and the grading is retried.
    case unavailable(reason: String)

    /// How often the grader looks while a race-pass check runs.
    static let interval: Duration = .milliseconds(20)

    /// Compares the sandboxed program's descriptor 2 with its launcher's (`startedAs`), which the
    /// subject cannot touch. Only a sandboxed run has a launcher to compare with: nil otherwise.
    static func take(startedAs launcher: Int32, sandboxed: Bool) -> StandardErrorProbe? {
        guard sandboxed else { return nil }
        guard let program = ProcessProbe.program(startedAs: launcher, sandboxed: true) else { return .unknown }
        let expected: String
        switch ProcessProbe.descriptorTarget(launcher, 2) {
        case .success(let target): expected = target
        case .failure(let error) where error.isMissing: return .unknown  // the launcher has ended
        case .failure(let error): return .unavailable(reason: "the launcher's descriptor 2: errno \(error.code)")
        }
        switch ProcessProbe.descriptorTarget(program, 2) {
        case .success(let actual):
            return actual == expected ? .connected : .redirected(target: actual)
        case .failure(let error) where error.isMissing:
            // Closed, unless the program ended between the reads (an ended one has no descriptors).
            return ProcessProbe.isRunning(program) ? .redirected(target: nil) : .unknown
        case .failure(let error):
            // The keeper runs as the subject's user and never changes its own state: if the grader
            // may read its descriptors but not the subject's, the subject hid its own (made itself
            // undumpable, say).
            if let keeper = ProcessProbe.keeper(startedAs: launcher), case .success = ProcessProbe.descriptorTarget(keeper, 2) {
                return .redirected(target: "hidden from the grader (errno \(error.code) reading the subject's descriptor 2)")
            }
            return .unavailable(reason: "the subject's descriptor 2: errno \(error.code)")
        }
    }

    /// What a check's probes come to: the first redirection seen by any probe, else the first
    /// refusal, else the last confirming probe (the driver's meter reads; its last comes after the marker when the
    /// subject acknowledged it). Periodic probes only ever add evidence against: one taken after
    /// the subject left says nothing about what it did before.
    struct Record: Sendable {
        private(set) var decisive: StandardErrorProbe?
        private(set) var confirmed: StandardErrorProbe?

        mutating func add(_ probe: StandardErrorProbe, confirming: Bool) {
            switch probe {
            case .redirected:
                if decisive == nil || decisive?.isUnavailable == true { decisive = probe }
            case .unavailable: if decisive == nil { decisive = probe }
            case .connected, .unknown: break
            }
            if confirming { confirmed = probe }
        }

        var verdict: StandardErrorProbe? { decisive ?? confirmed }
    }

    var isUnavailable: Bool {
        if case .unavailable = self { return true }
        return false
    }
}
