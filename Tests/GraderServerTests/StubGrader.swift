import Foundation
import GraderModel
import GraderPipeline
import GraderServer
import GraderStore
import Synchronization

/// A grader that grades instantly with a canned report (the API tests exercise the daemon, not
/// the pipeline): the real catalog and intake, a report with one public and one hidden check.
final class StubGrader: SubmissionGrader {
    enum Behaviour: Sendable {
        case grade
        /// Waits until cancelled (a grading in flight at shutdown).
        case hang
        /// Throws a failure of the daemon's own (not the candidate's).
        case fail
    }

    /// Text only the hidden parts of the canned report hold: a candidate must never see it.
    static let hiddenMarker = "HIDDEN-ONLY-7f3a9c"

    let catalog: ChallengeCatalog
    let behaviour: Behaviour
    let gradings = Atomic<Int>(0)

    init(behaviour: Behaviour = .grade) {
        catalog = ChallengeCatalog(layout: ProjectLayout(root: TestRoot.url))
        self.behaviour = behaviour
    }

    func prepare(challenge: String, candidate: String, files: [SubmittedFile], ownerTokenID: String?, at: Date) throws -> StoredSubmission {
        try Intake.prepare(challenge: challenge, catalog: catalog, candidate: candidate, files: files, ownerTokenID: ownerTokenID, at: at)
    }

    func challenge(_ id: String) throws -> Challenge { try catalog.load(id) }
    func availableChallenges() -> [String] { catalog.availableIDs() }

    func grade(_ submission: StoredSubmission, queueMilliseconds: Int, progress: @escaping @Sendable (GradingEvent) -> Void,
               store: (GradingReport) throws -> Void) async throws -> GradingReport {
        progress(.compiling)
        progress(.runningChecks(total: 2))
        switch behaviour {
        case .grade: break
        case .hang:
            while true { try await Task.sleep(for: .seconds(60)) }
        case .fail: throw StubFailure()
        }
        gradings.add(1, ordering: .relaxed)
        let report = Self.report(for: submission)
        try store(report)
        return report
    }

    func internalErrorReport(_ submission: StoredSubmission, gradingID: String, message: String) -> GradingReport {
        var report = Self.report(for: submission)
        report.grading.id = gradingID
        report.status = .internalError
        report.score = 0
        report.recommendation = .undetermined
        report.checks = []
        report.error = message
        return report
    }

    static func report(for submission: StoredSubmission) -> GradingReport {
        let marker = hiddenMarker
        let publicCheck = CheckOutcome(id: "public.get-put-basics", title: "get and put", visibility: .public, status: .pass,
                                       durationMs: 3, message: "passed", evidence: [])
        let hiddenCheck = CheckOutcome(id: "hidden-\(marker)", title: "title \(marker)", visibility: .hidden, status: .fail,
                                       durationMs: 9, message: "expected 3 \(marker)", evidence: ["evidence \(marker)"], output: "output \(marker)")
        return GradingReport(
            submission: .init(id: submission.id, candidate: submission.candidate, submittedAt: submission.createdAt,
                              sha256: submission.sha256, files: []),
            challenge: submission.challenge,
            grading: .init(id: Identifier.make(prefix: "grd"), startedAt: Date(), finishedAt: Date(), attempts: 1),
            graderVersion: "0.1.0+stub", status: .graded, score: 55, maxScore: 85, manualPending: 15, recommendation: .reject,
            recommendationReasons: ["reason \(marker)"],
            criteria: [.init(CriterionScore(id: .scalabilityCaching, kind: .auto, points: 15, maxPoints: 30, essential: true,
                                            checks: [.init(id: publicCheck.id, weight: 1, status: .pass),
                                                     .init(id: hiddenCheck.id, weight: 1, status: .fail)],
                                            explanation: "lost 15 of 30: \(hiddenCheck.id)"))],
            checks: [.init(publicCheck, criteria: [.scalabilityCaching]), .init(hiddenCheck, criteria: [.scalabilityCaching])],
            redFlags: [RaisedRedFlag(id: .noConcurrencyHandling, message: "flag \(marker)", checks: [hiddenCheck.id])],
            diagnostics: .init(sanitizer: SanitizerSummary(ran: true, reports: ["race \(marker)"])),
            timings: .init(compileMs: 1, checksMs: 2, totalMs: 3), error: nil)
    }
}

struct StubFailure: Error, CustomStringConvertible {
    var description: String { "the stub grader failed" }
}

enum TestRoot {
    /// The package root (this file is Tests/GraderServerTests/StubGrader.swift).
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
