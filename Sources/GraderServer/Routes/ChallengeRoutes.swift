import Foundation
import GraderAPI
import GraderModel
import GraderPipeline
import Hummingbird

/// `GET /api/v1/challenges` and `/api/v1/challenges/{id}`: only what candidates see anyway
/// (the prompt, the rubric's criteria, the public checks' ids).
struct ChallengeRoutes {
    let grader: any SubmissionGrader

    func register(in table: RouteTable, router: some RouterMethods<GraderRequestContext>) {
        table.add(.get, "/api/v1/challenges", to: router) { _, context in
            _ = try context.requireCaller()
            let bodies = try grader.availableChallenges().map { try body(for: grader.challenge($0), withPrompt: false) }
            return try JSONResponse.make(ChallengeList(challenges: bodies))
        }
        table.add(.get, "/api/v1/challenges/{id}", to: router) { _, context in
            _ = try context.requireCaller()
            let id = context.parameters.get("id") ?? ""
            guard grader.availableChallenges().contains(id) else {
                throw APIError.notFound("no challenge \(SubmissionRoutes.quoted(id))")
            }
            return try JSONResponse.make(try body(for: grader.challenge(id), withPrompt: true))
        }
    }

    func body(for challenge: Challenge, withPrompt: Bool) throws -> ChallengeBody {
        let prompt = withPrompt ? try? String(contentsOf: challenge.directory.appendingPathComponent("README.md"), encoding: .utf8) : nil
        return ChallengeBody(
            id: challenge.id, title: challenge.manifest.title, entryType: challenge.manifest.entryType,
            maxScore: challenge.rubric.criteria.reduce(0) { $0 + $1.points },
            criteria: challenge.rubric.criteria.map {
                .init(id: $0.id.rawValue, title: $0.id.title, category: $0.id.category.rawValue, kind: $0.kind.rawValue, points: $0.points)
            },
            publicChecks: challenge.publicChecks.map(\.id), prompt: prompt)
    }
}
