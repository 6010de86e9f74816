import Foundation
import GraderAPI
import GraderModel
import GraderStore

/// Builds the `grading.finished` event (SPEC §8) a finished grading writes to the outbox.
struct NotificationEvents: Sendable {
    static let gradingFinished = "grading.finished"

    struct Payload: Codable, Equatable {
        struct Data: Codable, Equatable {
            var submission: String
            var candidate: String
            var challenge: String
            var grading: String
            var status: String
            var score: Double
            var maxScore: Double
            var recommendation: String
            /// Where the report is read, relative to the daemon's base URL.
            var reportPath: String
        }
        var id: String
        var type: String
        var createdAt: Date
        var data: Data
    }

    func finished(_ report: GradingReport, submission: StoredSubmission, at date: Date = Date()) throws -> OutboxEvent {
        let id = Identifier.make(prefix: "evt")
        let payload = Payload(id: id, type: Self.gradingFinished, createdAt: date, data: .init(
            submission: submission.id, candidate: submission.candidate, challenge: report.challenge, grading: report.grading.id,
            status: report.status.rawValue, score: report.score, maxScore: report.maxScore,
            recommendation: report.recommendation.rawValue, reportPath: "/api/v1/submissions/\(submission.id)"))
        return OutboxEvent(id: id, type: Self.gradingFinished, payload: try APICoding.encoder.encode(payload),
                           createdAt: date, nextAttemptAt: date)
    }
}
