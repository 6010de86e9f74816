import Foundation
import GraderModel
import GraderPipeline
import GraderStore

/// What a worker grades with: the pipeline in the daemon, a stand-in in the API tests.
public protocol SubmissionGrader: Sendable {
    /// Validates a submission and builds what would be stored (``GradingPipeline/prepare``).
    func prepare(challenge: String, candidate: String, files: [SubmittedFile], ownerTokenID: String?, at: Date) throws -> StoredSubmission
    /// The challenges that can be graded, as the catalog has them.
    func challenge(_ id: String) throws -> Challenge
    func availableChallenges() -> [String]
    /// Grades and hands the report to `store`; throws `CancellationError` when cancelled, storing nothing.
    func grade(_ submission: StoredSubmission, queueMilliseconds: Int, progress: @escaping @Sendable (GradingEvent) -> Void,
               store: (GradingReport) throws -> Void) async throws -> GradingReport
    func internalErrorReport(_ submission: StoredSubmission, gradingID: String, message: String) -> GradingReport
}

extension GradingPipeline: SubmissionGrader {
    public func challenge(_ id: String) throws -> Challenge { try catalog.load(id) }
    public func availableChallenges() -> [String] { catalog.availableIDs() }
}
