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
        subcommands: [Challenges.self, Init.self, Test.self, Grade.self, Report.self])

    public init() {}

    /// Runs the command line and returns the process exit code.
    public static func run(arguments: [String]? = nil) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let exit as CLIExit {
            if !exit.message.isEmpty { Terminal.error(exit.message) }
            return exit.code
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                return 0
            }
            if let mapped = CLIExit.map(error) {
                Terminal.error(mapped.message)
                return mapped.code
            }
            Terminal.error(fullMessage(for: error))
            // Every argument-parser failure is a usage error.
            return CLIExit.usage
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
