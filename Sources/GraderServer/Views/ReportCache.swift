import Foundation
import GraderAPI
import GraderModel
import GraderStore
import Synchronization

/// Each grading's report, encoded once per view, so that a status poll neither decodes the stored
/// report nor encodes it again.
///
/// Decoding and re-encoding the report was most of the daemon's work per status request (a
/// profile under `wrk` put it at four fifths of the route's time). A stored grading is immutable (the
/// store's triggers refuse updates and deletes), so an entry never goes stale; the cache only
/// bounds its size, dropping the least recently used entries first.
final class ReportCache: Sendable {
    enum View: Hashable, Sendable {
        case full, candidate

        /// Candidates get the candidate view; reviewers and admins the full report.
        init(for role: APIToken.Role) {
            self = role == .candidate ? .candidate : .full
        }

        func shape(_ report: GradingReport) -> ReportBody {
            self == .candidate ? .candidate(CandidateReport(report)) : .full(report)
        }
    }

    struct Key: Hashable, Sendable {
        let gradingID: String
        let view: View
    }

    private struct Entry {
        let json: Data
        var lastUse: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var bytes = 0
        var clock: UInt64 = 0
    }

    /// The most bytes of encoded reports kept.
    let byteBudget: Int
    private let state = Mutex(State())

    init(byteBudget: Int = 32 << 20) {
        self.byteBudget = byteBudget
    }

    /// The `report` member's JSON for `view` of the grading, loaded, shaped and encoded on a miss;
    /// nil when there is no such grading.
    func json(gradingID: String, view: View, load: (String) throws -> GradingReport?) throws -> Data? {
        let key = Key(gradingID: gradingID, view: view)
        let cached = state.withLock { state -> Data? in
            state.clock += 1
            guard var entry = state.entries[key] else { return nil }
            entry.lastUse = state.clock
            state.entries[key] = entry
            return entry.json
        }
        if let cached { return cached }
        // Two requests that miss at once both encode; the second insert replaces an equal entry.
        guard let report = try load(gradingID) else { return nil }
        let json = try APICoding.encoder.encode(view.shape(report))
        insert(json, for: key)
        return json
    }

    /// How many entries and bytes are held (for tests).
    var usage: (entries: Int, bytes: Int) {
        state.withLock { ($0.entries.count, $0.bytes) }
    }

    private func insert(_ json: Data, for key: Key) {
        // A report over half the budget is served but not kept: keeping it would evict everything
        // else, and then itself.
        guard json.count <= byteBudget / 2 else { return }
        state.withLock { state in
            state.clock += 1
            if let old = state.entries.updateValue(Entry(json: json, lastUse: state.clock), forKey: key) {
                state.bytes -= old.json.count
            }
            state.bytes += json.count
            guard state.bytes > byteBudget else { return }
            // Evict down to three quarters of the budget, so eviction's sort is paid rarely.
            for (key, entry) in state.entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
                guard state.bytes > byteBudget / 4 * 3 else { break }
                state.entries[key] = nil
                state.bytes -= entry.json.count
            }
        }
    }
}
