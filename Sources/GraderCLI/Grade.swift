import ArgumentParser
import GraderModel
import GraderPipeline
import GraderReports

extension ReportFormat: ExpressibleByArgument {}

struct Grade: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Grade files with the hidden checks, store the result, and print the report.",
        discussion: "The submission and its grading are stored in the local database (see --data-dir).")

    @Argument(help: "The challenge id.") var challenge: String
    @Argument(help: "The candidate's .swift files (1 to 8).") var files: [String]
    @Option(help: "Report format: text, json or markdown.") var format: ReportFormat = .text
    @Option(help: "Who the submission is from.") var candidate = "local"
    @Option(name: .customLong("min-score"), help: "Exit 1 when the score is below this.") var minimumScore: Double?
    @OptionGroup var data: DataOptions

    func run() async throws {
        // Validate before opening anything: rejected input must not even create the data directory.
        let submitted = try Context.readFiles(files)
        _ = try ChallengeCatalog(layout: try Context.layout()).load(challenge)
        _ = try Intake.validate(files: submitted, candidate: candidate)
        let pipeline = try await Context.pipeline(data)
        let submission = try pipeline.submit(challenge: challenge, candidate: candidate, files: submitted)
        Terminal.error("stored submission \(submission.id)")
        let report = try await pipeline.grade(submission, progress: Terminal.progress())
        print(try format.render(report), terminator: "")
        try ReportExit.check(report, minimumScore: minimumScore)
    }
}

enum ReportExit {
    /// 3 for an internal error; 1 when a minimum score was asked for and not reached.
    static func check(_ report: GradingReport, minimumScore: Double?) throws {
        if report.status == .internalError {
            throw CLIExit.internal("the grader failed on this submission (see the report's error)")
        }
        if let minimumScore, report.status != .graded || report.score < minimumScore {
            throw CLIExit(code: CLIExit.belowBar, message: "score \(format(report.score)) is below --min-score \(format(minimumScore))")
        }
    }
}
