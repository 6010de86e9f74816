import ArgumentParser
import GraderModel
import GraderPipeline
import GraderReports

struct Test: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a challenge's public checks against your files (nothing is stored).",
        discussion: "Exits 0 when every public check passes, 1 otherwise.")

    @Argument(help: "The challenge id.") var challenge: String
    @Argument(help: "Your .swift files (1 to 8).") var files: [String]
    @OptionGroup var data: DataOptions

    func run() async throws {
        let submitted = try Context.readFiles(files)
        _ = try ChallengeCatalog(layout: try Context.layout()).load(challenge)
        _ = try Intake.validate(files: submitted, candidate: "local")
        let pipeline = try await Context.pipeline(data)
        let run = try await pipeline.runPublicChecks(challenge: challenge, files: submitted,
                                                     progress: Terminal.progress())
        switch run.status {
        case .compileError, .contractMismatch:
            print(run.status == .compileError ? "COMPILE ERROR" : "CONTRACT MISMATCH")
            print(ControlCharacters.neutralize(run.message ?? ""))
        default:
            for outcome in run.outcomes {
                print("\(outcome.status == .pass ? "✓" : outcome.status == .skipped ? "–" : "✗") \(outcome.id) \(outcome.status.rawValue) (\(outcome.durationMs) ms)")
                if outcome.status != .pass { print("    " + ControlCharacters.neutralize(outcome.message)) }
            }
            print("\(run.outcomes.filter { $0.status == .pass }.count) of \(run.outcomes.count) public checks passed; the hidden checks go much further.")
        }
        for warning in run.warnings {
            print(ControlCharacters.neutralize("warning: \(warning.file):\(warning.line):\(warning.column): \(warning.message)"))
        }
        for finding in run.policyFindings {
            let severity = finding.dangerous ? "forbidden (a reviewer sees this as a red flag)" : "policy"
            print(ControlCharacters.neutralize("\(severity): \(finding.file):\(finding.line): \(finding.message)"))
        }
        if !run.allPassed { throw CLIExit(code: CLIExit.belowBar, message: "") }
    }
}
