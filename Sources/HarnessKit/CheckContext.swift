import Synchronization

/// What a running check can record besides pass or fail: evidence lines for reviewers, and the
/// phase it is in.
public final class CheckContext: Sendable {
    /// The check's budget, from the pipeline; a check that loops for a while sizes its work by it.
    public let budgetSeconds: Double
    private let notes = Mutex<[String]>([])
    private let currentPhase = Mutex<String?>(nil)
    private let announce: @Sendable (String) -> Void

    static let maximumNotes = 40
    static let maximumNoteLength = 600

    /// `announce` sends a phase marker to the pipeline (the result channel, in a check process).
    public init(budgetSeconds: Double, announce: @escaping @Sendable (String) -> Void = { _ in }) {
        self.budgetSeconds = budgetSeconds
        self.announce = announce
    }

    /// Marks the start of a phase of the check (say `"concurrent"`, after a single-threaded
    /// rehearsal). The pipeline learns of it at once, through the authenticated result channel, so
    /// even a crash is attributed to the phase it happened in; red-flag rules can require a phase.
    public func enterPhase(_ name: String) {
        currentPhase.withLock { $0 = name }
        announce(name)
    }

    /// The phase entered last, if any.
    public var phase: String? { currentPhase.withLock { $0 } }

    /// Adds one line of evidence (kept short; at most 40 lines per check).
    public func note(_ line: String) {
        notes.withLock {
            guard $0.count < Self.maximumNotes else { return }
            $0.append(String(line.prefix(Self.maximumNoteLength)))
        }
    }

    var evidence: [String] { notes.withLock { $0 } }
}
