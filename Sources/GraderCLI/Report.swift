import ArgumentParser
import GraderModel
import GraderReports
import GraderStore

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a stored report.",
        discussion: "Give a grading id (grd_…) for that grading, or a submission id (sub_…) for its latest grading.")

    @Argument(help: "A grading id or a submission id.") var id: String
    @Option(help: "Report format: text, json or markdown.") var format: ReportFormat = .text
    @OptionGroup var data: DataOptions

    func run() async throws {
        guard Identifier.isWellFormed(id) else { throw CLIExit.input("\"\(id.prefix(80))\" is not a submission or grading id") }
        let database = try GraderDatabase(dataDirectory: data.resolved, create: false)
        let report: GradingReport?
        if id.hasPrefix("grd_") {
            report = try database.report(gradingID: id)
        } else {
            report = try database.latestReport(submissionID: id)
        }
        guard let report else { throw CLIExit.input("no grading found for \(id) in \(database.path)") }
        print(try format.render(report), terminator: "")
    }
}
