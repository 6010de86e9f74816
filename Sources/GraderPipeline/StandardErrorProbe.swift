import GraderProcess

/// Whether a subject's standard error still went where its sandbox connected it, read from
/// `/proc` outside the subject: the race pass's check that ThreadSanitizer's reports (written to
/// descriptor 2) reached the grader.
///
/// The end marker alone shows that the subject's last write arrived; a subject that moved
/// descriptor 2 onto a pipe of its own and forwarded everything but the reports would still
/// deliver it. Taken after the marker, this sees such a redirection. A subject that restores
/// descriptor 2 before the marker is not caught by either (see `Sandbox/README.md`).
enum StandardErrorProbe: Sendable, Equatable {
    /// Descriptor 2 of the subject and of its launcher name the same pipe.
    case connected
    /// Descriptor 2 of the subject names something else (or is closed: `target` nil).
    case redirected(target: String?)
    /// The subject was gone, or `/proc` could not tell.
    case unknown

    /// Compares the sandboxed program's descriptor 2 with its launcher's (`startedAs`), which the
    /// subject cannot touch. Only a sandboxed run has a launcher to compare with: nil otherwise.
    static func take(startedAs launcher: Int32, sandboxed: Bool) -> StandardErrorProbe? {
        guard sandboxed else { return nil }
        guard let program = ProcessProbe.program(startedAs: launcher, sandboxed: true),
              let expected = ProcessProbe.descriptorTarget(launcher, 2) else { return .unknown }
        let actual = ProcessProbe.descriptorTarget(program, 2)
        // The program may have ended between the reads (an ended one has no descriptors left).
        if actual == nil, !ProcessProbe.isRunning(program) { return .unknown }
        return actual == expected ? .connected : .redirected(target: actual)
    }
}
