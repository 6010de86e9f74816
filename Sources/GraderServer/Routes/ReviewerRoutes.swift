import Foundation
import GraderAPI
import GraderModel
import GraderStore
import Hummingbird

/// `POST /api/v1/regrade` (admins) and `POST /api/v1/submissions/{id}/reviews` (reviewers, admins).
struct ReviewerRoutes {
    let store: any DaemonStore
    let grader: any SubmissionGrader
    let signal: WorkSignal

    /// Ids one request may list (a challenge's regrade takes all its submissions).
    static let maximumRegrade = 1000
    static let maximumCommentLength = 10_000

    func register(in table: RouteTable, router: some RouterMethods<GraderRequestContext>) {
        table.add(.post, "/api/v1/regrade", to: router) { try await regrade($0, $1) }
        table.add(.post, "/api/v1/submissions/{id}/reviews", to: router) { try await review($0, $1) }
    }

    func regrade(_ request: Request, _ context: GraderRequestContext) async throws -> Response {
        let caller = try context.require([.admin], to: "request regrades")
        let body = try await RequestBody.decode(RegradeRequest.self, from: request, fields: ["submissions", "challenge"])
        let ids: [String]
        switch (body.submissions, body.challenge) {
        case (let submissions?, nil):
            guard (1...Self.maximumRegrade).contains(submissions.count) else {
                throw APIError.badRequest("submissions lists 1 to \(Self.maximumRegrade) ids")
            }
            for id in submissions where !(Identifier.isWellFormed(id) && id.hasPrefix("sub_")) {
                throw APIError(.unprocessableContent, code: "unknown_submission", message: "no submission \(SubmissionRoutes.quoted(id))")
            }
            var seen: Set<String> = []
            ids = submissions.filter { seen.insert($0).inserted }
        case (nil, let challenge?):
            guard grader.availableChallenges().contains(challenge) else {
                throw APIError(.unprocessableContent, code: "unknown_challenge", message: "no challenge \(SubmissionRoutes.quoted(challenge))")
            }
            ids = try store.submissionIDs(challenge: challenge)
        default:
            throw APIError.badRequest("give either submissions (a list of ids) or challenge, not both")
        }
        let jobs: [GradingJob]
        do {
            jobs = try store.enqueueRegrades(submissionIDs: ids, requestedBy: caller.id, at: Date())
        } catch QueueError.unknownSubmission(let id) {
            throw APIError(.unprocessableContent, code: "unknown_submission", message: "no submission \(SubmissionRoutes.quoted(id))")
        }
        signal.notify()
        return try JSONResponse.make(RegradeResponse(jobs: jobs.map { .init(job: $0.id, submission: $0.submissionID) }),
                                     status: .accepted)
    }

    func review(_ request: Request, _ context: GraderRequestContext) async throws -> Response {
        let caller = try context.require([.reviewer, .admin], to: "review submissions")
        let id = context.parameters.get("id") ?? ""
        guard Identifier.isWellFormed(id), id.hasPrefix("sub_"), let status = try store.status(submissionID: id) else {
            throw APIError.notFound("no submission \(SubmissionRoutes.quoted(id))")
        }
        let body = try await RequestBody.decode(ReviewRequest.self, from: request, fields: ["scores", "comment"])
        let rubric = try grader.challenge(status.challenge).rubric
        for (criterion, points) in body.scores {
            guard let entry = rubric.criteria.first(where: { $0.id.rawValue == criterion }), entry.kind == .manual else {
                let manual = rubric.criteria.filter { $0.kind == .manual }.map(\.id.rawValue)
                throw APIError(.unprocessableContent, code: "invalid_review",
                               message: "\(SubmissionRoutes.quoted(criterion)) is not a manual criterion of \(status.challenge) (manual: \(manual.joined(separator: ", ")))")
            }
            guard points.isFinite, (0...entry.points).contains(points) else {
                throw APIError(.unprocessableContent, code: "invalid_review",
                               message: "\(criterion) takes 0 to \(entry.points) points")
            }
        }
        guard body.comment.count <= Self.maximumCommentLength else {
            throw APIError(.unprocessableContent, code: "invalid_review", message: "a comment has at most \(Self.maximumCommentLength) characters")
        }
        guard !body.scores.isEmpty || !body.comment.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError(.unprocessableContent, code: "invalid_review", message: "a review gives scores, a comment, or both")
        }
        let review = Review(id: Identifier.make(prefix: "rev"), submissionID: id, reviewer: caller.name, reviewerTokenID: caller.id,
                            scores: body.scores, comment: body.comment,
                            createdAt: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
        try store.insert(review)
        return try JSONResponse.make(ReviewBody(id: review.id, submission: id, reviewer: review.reviewer, scores: review.scores,
                                                comment: review.comment, createdAt: review.createdAt), status: .created)
    }
}
