import Synchronization
import Wire

/// What a running check works with: the subject, the meter, its budget and seed, and what it
/// records besides pass or fail (evidence for reviewers, the phase it is in).
public final class CheckContext: Sendable {
    /// The check's budget; a check that loops for a while sizes its work by it.
    public let budgetSeconds: Double
    /// The seed for randomised work (`--seed`; each check has its own default), so a failing run
    /// can be replayed.
    public let seed: UInt64?
    /// The candidate's process (the first, when the check starts more: ``startSubject()``).
    public let subject: SubjectConnection
    /// Figures about the subject taken from outside it.
    public let meter: SubjectMeter
    /// When the check started (``DriverClock/nanos()``).
    public let started: UInt64
    private let notes = Mutex<[String]>([])
    private let currentPhase = Mutex<String?>(nil)

    static let maximumNotes = 40
    static let maximumNoteLength = 600

    init(budgetSeconds: Double, seed: UInt64?, subject: SubjectConnection, meter: SubjectMeter, started: UInt64) {
        self.budgetSeconds = budgetSeconds
        self.seed = seed
        self.subject = subject
        self.meter = meter
        self.started = started
    }

    /// Starts another subject: a separate sandboxed process running the same submission, with
    /// the same deadline, for a scenario whose instances stand for separate servers (two service
    /// instances sharing one store): what one process shares in memory, two servers do not. The
    /// simulated services it calls must be served on it too (``SubjectConnection/serve(_:with:)``).
    /// At most ``SubjectStart/maximumSubjects`` per check, the first included.
    public func startSubject() async throws -> SubjectConnection {
        try await DriverRun.startSubject()
    }

    /// Every subject the check runs, in the order they were started.
    public var subjects: [SubjectConnection] { DriverRun.subjects }

    /// The seed to use: the one given on the command line, else the check's own default.
    public func seed(default value: UInt64) -> UInt64 { seed ?? value }

    /// Marks the start of a phase of the check (say `"concurrent"`, after a single-threaded
    /// rehearsal). Red-flag rules can require a phase; the driver's own record decides it.
    public func enterPhase(_ name: String) {
        currentPhase.withLock { $0 = name }
    }

    /// Runs a single-threaded rehearsal before the check's own scenario: `body` replays, exactly,
    /// the scenario of the scored check `twin` (the same operations on the same objects, so the
    /// subject cannot tell the two apart). A failure here is a functional bug, not the one the
    /// check exists for: its phase is `rehearsal:<twin>` (``DriverReport/rehearsalPhasePrefix``),
    /// which raises no red flag of the check's; but if `twin` passed in the same grading, the
    /// submission behaved differently in two checks that look alike, and the grader raises
    /// `inconsistent-behaviour`.
    ///
    /// In the race pass the rehearsal is skipped: the pass exists to watch the concurrent phase,
    /// which a subject could otherwise keep out of its sight by failing the rehearsal.
    public func rehearse(as twin: String, _ body: () async throws -> Void) async throws {
        guard !DriverRun.isRacePass else {
            note("the rehearsal (\(twin)'s scenario, one at a time) is skipped in the race pass")
            return
        }
        enterPhase(DriverReport.rehearsalPhasePrefix + twin)
        do {
            try await body()
        } catch let failure as CheckFailure {
            throw CheckFailure("before the check's own scenario, its single-threaded rehearsal (the scenario of \(twin), "
                + "repeated here) failed: \(failure.message)")
        }
        currentPhase.withLock { $0 = nil }
    }

    public var phase: String? { currentPhase.withLock { $0 } }

    /// Adds one line of evidence (kept short; at most 40 lines per check).
    public func note(_ line: String) {
        notes.withLock {
            guard $0.count < Self.maximumNotes else { return }
            $0.append(String(line.prefix(Self.maximumNoteLength)))
        }
    }

    var evidence: [String] { notes.withLock { $0 } }

    /// Seconds since the check started.
    public var elapsedSeconds: Double { Double(DriverClock.nanos() &- started) / 1e9 }

    /// Seconds left of the budget (never negative).
    public var remainingSeconds: Double { max(0, budgetSeconds - elapsedSeconds) }
}
