import ArgumentParser
import GraderAPI
import GraderClient
import GraderModel
import GraderReports
import GraderStore

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a stored report, from the local database or the grading daemon.",
        discussion: """
            Give a grading id (grd_…) for that grading, or a submission id (sub_…) for its latest grading. \
            With --server (or GRADER_SERVER, unless --data-dir is given) the report comes from the daemon, \
            as the token may see it: a candidate gets the candidate view.
            """)

    @Argument(help: "A grading id or a submission id.") var id: String
    @Option(help: "Report format: text, json or markdown.") var format: ReportFormat = .text
    @OptionGroup var data: DataOptions
    @OptionGroup var server: ServerOptions

    func run() async throws {
        guard Identifier.isWellFormed(id) else { throw CLIExit.input("\"\(id.prefix(80))\" is not a submission or grading id") }
        if case .remote(let client) = try ReportSource.choose(server: server, data: data) {
            guard id.hasPrefix("sub_") else { throw CLIExit.input("the daemon finds reports by submission id (sub_…)") }
            let body: SubmissionBody
            do {
                body = try await client.submission(id)
            } catch let error as ClientError {
                throw error.asExit
            }
            guard body.report != nil else { throw CLIExit.input("\(id) has no report yet (it is \(body.status))") }
            try Submit.printReport(body, format: format)
            return
        }
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

/// Whether a command that can read either way reads the daemon or the local database.
enum ReportSource {
    case remote(GraderClient)
    case local

    static func choose(server: ServerOptions, data: DataOptions) throws -> ReportSource {
        if server.server != nil && data.dataDirectory != nil {
            throw CLIExit.input("give --server or --data-dir, not both")
        }
        if data.dataDirectory == nil && server.isGiven { return .remote(try server.client()) }
        return .local
    }
}
