import ArgumentParser
import Foundation
import GraderModel
import GraderPipeline
import GraderReports
import GraderStore

struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one check again, under the seed a report names, and print its outcome (nothing is stored).",
        discussion: """
            A failing randomised check names its seed in its evidence ("seed 0x31 (replay this check with \
            --seed 0x31)"). Give a stored submission's id (sub_…) or a challenge and files:

              grader replay sub_q9drenbe2m17rq3ptdy5 many-seats-storm --seed 0x32
              grader replay reserve-seat many-seats-storm Solution.swift --seed 0x32

            Without --seed the check runs under its own default seed, as in a grading. Exits 0 when \
            the check passes, 1 when it does not.
            """)

    @Argument(help: "A submission id (sub_…), or a challenge id followed by the check and the files.") var target: String
    @Argument(help: "The check's id, as the report names it.") var check: String
    @Argument(help: "With a challenge id: the .swift files (1 to 8).") var files: [String] = []
    @Option(help: ArgumentHelp("The seed (decimal, or hex with 0x).", valueName: "n")) var seed: String?
    @Option(help: "Output format: text or json.") var format: ReplayFormat = .text
    @OptionGroup var data: DataOptions

    enum ReplayFormat: String, ExpressibleByArgument { case text, json }

    func run() async throws {
        let parsedSeed = try seed.map(Self.parseSeed)
        let challenge: String
        let submitted: [SubmittedFile]
        if target.hasPrefix("sub_") {
            guard files.isEmpty else { throw CLIExit.input("give files only with a challenge id, not with a submission id") }
            guard Identifier.isWellFormed(target) else { throw CLIExit.input("\"\(target.prefix(80))\" is not a submission id") }
            let database = try GraderDatabase(dataDirectory: data.resolved, create: false)
            guard let stored = try database.submission(id: target) else {
                throw CLIExit.input("no submission \(target) in \(database.path)")
            }
            challenge = stored.challenge
            submitted = stored.files.map { SubmittedFile(name: $0.name, content: $0.content) }
        } else {
            guard !files.isEmpty else { throw CLIExit.input("give the submission's files after the check id (or a submission id instead of \(target.prefix(40)))") }
            challenge = target
            submitted = try Context.readFiles(files)
            _ = try ChallengeCatalog(layout: try Context.layout()).load(challenge)
            _ = try Intake.validate(files: submitted, candidate: "local")
        }
        let pipeline = try await Context.pipeline(data)
        let run = try await pipeline.replay(challenge: challenge, check: check, seed: parsedSeed, files: submitted,
                                            progress: Terminal.progress())
        guard let outcome = run.outcome else {
            print(run.status == .compileError ? "COMPILE ERROR" : "CONTRACT MISMATCH")
            print(ControlCharacters.neutralize(run.message ?? ""))
            throw CLIExit(code: CLIExit.belowBar, message: "")
        }
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(outcome), as: UTF8.self))
        case .text:
            let seedText = parsedSeed.map { "seed 0x" + String($0, radix: 16) } ?? "its default seed"
            print("\(outcome.status == .pass ? "✓" : outcome.status == .skipped ? "–" : "✗") \(challenge) \(outcome.id) \(outcome.status.rawValue) under \(seedText) (\(outcome.durationMs) ms)")
            print("    " + ControlCharacters.neutralize(outcome.message))
            for line in outcome.evidence { print("    · " + ControlCharacters.neutralize(line)) }
        }
        if outcome.status != .pass { throw CLIExit(code: CLIExit.belowBar, message: "") }
    }

    static func parseSeed(_ text: String) throws -> UInt64 {
        let hex = text.lowercased().hasPrefix("0x")
        guard let value = UInt64(hex ? String(text.dropFirst(2)) : text, radix: hex ? 16 : 10) else {
            throw CLIExit.input("--seed \(text.prefix(40)) is not a number (decimal, or hex with 0x)")
        }
        return value
    }
}
