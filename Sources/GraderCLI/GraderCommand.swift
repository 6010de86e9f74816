import ArgumentParser
import Foundation

/// The `grader` command: subcommands for candidates, reviewers and CI (SPEC §8).
public struct GraderCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "grader",
        abstract: "Grades candidates' Swift solutions to practical engineering challenges.",
        discussion: """
            Exit codes: 0 success; 1 graded but below the bar asked for (a failing public check, \
            --min-score); 2 usage or input error; 3 internal error.
            """,
        subcommands: [Challenges.self, Init.self, Test.self, Submit.self, Status.self, Grade.self, Report.self, List.self, Replay.self,
                      Serve.self, Tokens.self])

    public init() {}

    /// Runs the command line and returns the process exit code.
    public static func run(arguments: [String]? = nil) async -> Int32 {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            // Help and version requests, or a usage error.
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                return 0
            }
            Terminal.error(fullMessage(for: error))
            return CLIExit.usage
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let exit as CLIExit {
            if !exit.message.isEmpty { Terminal.error(exit.message) }
            return exit.code
        } catch let error as ValidationError {
            Terminal.error(fullMessage(for: error))
            return CLIExit.usage
        } catch {
            if exitCode(for: error) == .success {   // --help on a subcommand arrives as a clean exit
                print(fullMessage(for: error))
                return 0
            }
            let mapped = CLIExit.map(error) ?? .internal("internal error: \(error)")
            Terminal.error(mapped.message)
            return mapped.code
        }
    }
}

/// Options every database-using command takes.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: ArgumentHelp(
        "Where the database, caches and work folders live.", discussion: "Default: $GRADER_DATA_DIR, else ./.grader",
        valueName: "dir"))
    var dataDirectory: String?

    var resolved: URL {
        if let dataDirectory, !dataDirectory.isEmpty { return URL(fileURLWithPath: dataDirectory) }
        if let fromEnvironment = ProcessInfo.processInfo.environment["GRADER_DATA_DIR"], !fromEnvironment.isEmpty {
            return URL(fileURLWithPath: fromEnvironment)
        }
        return URL(fileURLWithPath: ".grader")
    }
}
