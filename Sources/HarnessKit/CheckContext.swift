import Synchronization

/// What a running check can record besides pass or fail: evidence lines for reviewers.
public final class CheckContext: Sendable {
    /// The check's budget, from the pipeline; a check that loops for a while sizes its work by it.
    public let budgetSeconds: Double
    private let notes = Mutex<[String]>([])

    static let maximumNotes = 40
    static let maximumNoteLength = 600

    public init(budgetSeconds: Double) { self.budgetSeconds = budgetSeconds }

    /// Adds one line of evidence (kept short; at most 40 lines per check).
    public func note(_ line: String) {
        notes.withLock {
            guard $0.count < Self.maximumNotes else { return }
            $0.append(String(line.prefix(Self.maximumNoteLength)))
        }
    }

    var evidence: [String] { notes.withLock { $0 } }
}
