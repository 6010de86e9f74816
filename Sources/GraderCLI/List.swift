import ArgumentParser
import Foundation
import GraderAPI
import GraderClient
import GraderModel
import GraderStore

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List submissions, newest first, from the local database or the grading daemon.",
        discussion: "With --server (or GRADER_SERVER, unless --data-dir is given) a candidate's token lists their own only.")

    @Option(help: "Only this challenge.") var challenge: String?
    @Option(help: "Only this candidate.") var candidate: String?
    @Option(help: "Only this status (queued, compiling, running, graded, compile_error, …).") var status: String?
    @Option(help: "At most this many (1 to 200).") var limit = 50
    @OptionGroup var data: DataOptions
    @OptionGroup var server: ServerOptions

    func validate() throws {
        guard (1...200).contains(limit) else { throw ValidationError("--limit takes 1 to 200") }
    }

    func run() async throws {
        let rows: [SubmissionBody]
        switch try ReportSource.choose(server: server, data: data) {
        case .remote(let client):
            do {
                rows = try await client.submissions(challenge: challenge, candidate: candidate, status: status, limit: limit).submissions
            } catch let error as ClientError {
                throw error.asExit
            }
        case .local:
            let database = try GraderDatabase(dataDirectory: data.resolved, create: false)
            rows = try database.submissions(matching: SubmissionFilter(challenge: challenge, candidate: candidate, status: status,
                                                                       limit: limit)).map { status in
                SubmissionBody(id: status.id, challenge: status.challenge, candidate: status.candidate, submittedAt: status.createdAt,
                               status: status.status, job: status.job?.id, attempts: status.job?.attempts ?? 0, phases: .init(),
                               progress: .init(checksDone: 0, checksTotal: 0), grading: status.latestGrading?.id,
                               score: status.latestGrading?.score, maxScore: status.latestGrading?.maxScore, report: nil)
            }
        }
        let formatter = ISO8601DateFormatter()
        for row in rows {
            let score = row.score.map { "\(format($0))/\(format(row.maxScore ?? 0))" } ?? "-"
            print([row.id, formatter.string(from: row.submittedAt), row.challenge.padding(toLength: 20, withPad: " ", startingAt: 0),
                   row.status.padding(toLength: 17, withPad: " ", startingAt: 0), score.padding(toLength: 9, withPad: " ", startingAt: 0),
                   row.candidate].joined(separator: "  "))
        }
    }
}
