import ArgumentParser
import Foundation
import GraderAPI
import GraderClient
import GraderModel
import GraderPipeline
import GraderReports

struct Submit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit files to the grading daemon.",
        discussion: """
            Prints the submission id. With --wait, shows progress until the grading is over, prints \
            the report and exits like `grade`. A submit that meets a busy server (429, 503) or a dropped \
            connection is retried with the same idempotency key, so it is stored once.
            """)

    @Argument(help: "The challenge id.") var challenge: String
    @Argument(help: "The .swift files (1 to 8).") var files: [String]
    @Flag(help: "Wait for the grading and print the report.") var wait = false
    @Option(help: "Report format with --wait: text, json or markdown.") var format: ReportFormat = .text
    @Option(name: .customLong("min-score"), help: "With --wait, exit 1 when the score is below this.") var minimumScore: Double?
    @OptionGroup var server: ServerOptions

    func run() async throws {
        let client = try server.client()
        let submitted = try Context.readFiles(files)
        var sources: [String: String] = [:]
        for file in submitted {
            guard let text = String(validating: file.content, as: UTF8.self) else { throw CLIExit.input("\(file.name) is not valid UTF-8") }
            guard sources.updateValue(text, forKey: file.name) == nil else { throw CLIExit.input("\(file.name) is given twice") }
        }
        let body: SubmissionBody
        do {
            body = try await client.submit(challenge: challenge, files: sources) { Terminal.error($0) }
        } catch let error as ClientError {
            throw error.asExit
        }
        Terminal.error("submitted \(body.id) (\(body.status))")
        guard wait else {
            print(body.id)
            return
        }
        let finished = try await Self.waitForGrading(body.id, client: client)
        try Self.printReport(finished, format: format)
        try Self.exit(for: finished, minimumScore: minimumScore)
    }

    /// Polls until the grading is over, showing the phase and checks done.
    static func waitForGrading(_ id: String, client: GraderClient) async throws -> SubmissionBody {
        let interactive = Terminal.isInteractive
        var last = ""
        while true {
            let body: SubmissionBody
            do {
                body = try await client.submission(id)
            } catch let error as ClientError {
                throw error.asExit
            }
            if body.isFinished {
                if interactive && !last.isEmpty { Terminal.write("\n") }
                return body
            }
            var line = "\(id): \(body.status)"
            if body.status == "running", body.progress.checksTotal > 0 {
                line += ", checks \(body.progress.checksDone)/\(body.progress.checksTotal)"
            }
            if line != last {
                if interactive { Terminal.write("\r\u{1B}[2K" + line) } else { Terminal.error(line) }
                last = line
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    static func printReport(_ body: SubmissionBody, format: ReportFormat) throws {
        switch body.report {
        case .full(let report)?: print(try format.render(report), terminator: "")
        case .candidate(let report)?: print(try CandidateReportFormat.render(report, as: format), terminator: "")
        case nil: throw CLIExit.internal("the server has no report for \(body.id)")
        }
    }

    /// Like `grade`: 3 for an internal error, 1 below --min-score.
    static func exit(for body: SubmissionBody, minimumScore: Double?) throws {
        let status = body.report?.status
        if status == .internalError {
            throw CLIExit.internal("the grader failed on this submission (it does not count against the candidate)")
        }
        if let minimumScore, status != .graded || (body.score ?? 0) < minimumScore {
            throw CLIExit(code: CLIExit.belowBar, message: "score \(GraderModel.format(body.score ?? 0)) is below --min-score \(GraderModel.format(minimumScore))")
        }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show where a submission stands on the grading daemon.")
    @Argument(help: "A submission id (sub_…).") var id: String
    @OptionGroup var server: ServerOptions

    func run() async throws {
        let client = try server.client()
        let body: SubmissionBody
        do {
            body = try await client.submission(id)
        } catch let error as ClientError {
            throw error.asExit
        }
        let formatter = ISO8601DateFormatter()
        print("\(body.id)  \(body.challenge)  \(body.candidate)  \(body.status)")
        let phases = [("queued", body.phases.queuedAt), ("compiling", body.phases.compilingAt),
                      ("running", body.phases.runningAt), ("finished", body.phases.finishedAt)]
        for (name, date) in phases { if let date { print("  \(name.padding(toLength: 10, withPad: " ", startingAt: 0))\(formatter.string(from: date))") } }
        if body.status == "running" { print("  checks    \(body.progress.checksDone)/\(body.progress.checksTotal)") }
        if let score = body.score, let maximum = body.maxScore { print("  score     \(format(score)) / \(format(maximum))") }
    }
}
