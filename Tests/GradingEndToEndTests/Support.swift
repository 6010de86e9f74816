import Foundation
import GraderModel
import GraderPipeline
import GraderProcess
import GraderStore
import Testing

/// The real project, graded for real: one data folder for the whole run (the check module is built once).
enum EndToEnd {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let layout = ProjectLayout(root: root)
    static let dataDirectory: URL = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grader-e2e-\(UUID().uuidString)")
        atexit { try? FileManager.default.removeItem(at: EndToEnd.dataDirectory) }
        return directory
    }()

    /// How many times each solution is graded (`GRADER_E2E_RUNS`, default 3; `scripts/fidelity.sh` sets 20).
    static var runs: Int {
        Int(ProcessInfo.processInfo.environment["GRADER_E2E_RUNS"] ?? "") ?? 3
    }

    static func pipeline() async throws -> GradingPipeline {
        let trusted = DirectProcessRunner()
        return GradingPipeline(layout: layout, database: try GraderDatabase(dataDirectory: dataDirectory),
                               dataDirectory: dataDirectory, toolchain: try await Toolchain.locate(runner: trusted),
                               runner: try SandboxedProcessRunner.located(), trustedRunner: trusted)
    }

    static func grade(_ file: URL, challenge: String = "lru-cache", candidate: String) async throws -> GradingReport {
        let pipeline = try await pipeline()
        let submission = try pipeline.submit(
            challenge: challenge, candidate: candidate,
            files: [SubmittedFile(name: file.lastPathComponent, content: try Data(contentsOf: file))])
        return try await pipeline.grade(submission)
    }

    static func grade(_ solution: Solution) async throws -> GradingReport {
        try await grade(solution.file, challenge: solution.challenge, candidate: solution.name)
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the `grader` executable as a user would, with `environment` on top of this process's.
    static func runGrader(_ arguments: [String], environment: [String: String] = [:], removing: [String] = [],
                          in directory: URL? = nil) throws -> Run {
        let process = Process()
        process.executableURL = graderExecutable
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        for name in removing { merged.removeValue(forKey: name) }
        process.environment = merged
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// The `grader` executable built next to the test bundle.
    static var graderExecutable: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("grader")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return root.appendingPathComponent(".build/debug/grader")
    }
}

/// A solution on disk that the end-to-end tests grade: a challenge's reference, one of its correct
/// alternatives (`Graders/<id>/Alternatives/<name>/`) or one of its known-bad variants
/// (`Graders/<id>/Variants/<name>/`, with `expected.json`).
struct Solution: Sendable, CustomTestStringConvertible {
    enum Kind: String, Sendable { case reference, alternative, variant }

    let challenge: String
    let kind: Kind
    let name: String
    let folder: URL

    /// The folder's one Swift file.
    var file: URL {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let swift = names.filter { $0.hasSuffix(".swift") }.sorted()
        return folder.appendingPathComponent(swift.first ?? "missing.swift")
    }

    var testDescription: String { "\(challenge) \(kind.rawValue) \(name)" }

    /// The challenges graded end to end (`GRADER_E2E_CHALLENGES`, comma-separated, narrows them:
    /// `scripts/fidelity.sh 20 reserve-seat`).
    static let challenges: [String] = {
        let all = ["lru-cache", "reserve-seat", "webhook-idempotency"]
        guard let chosen = ProcessInfo.processInfo.environment["GRADER_E2E_CHALLENGES"], !chosen.isEmpty else { return all }
        let names = chosen.split(separator: ",").map(String.init)
        return all.filter(names.contains)
    }()

    static func graders(_ challenge: String) -> URL { EndToEnd.root.appendingPathComponent("Graders/\(challenge)") }

    static let references: [Solution] = challenges.map {
        Solution(challenge: $0, kind: .reference, name: "reference", folder: graders($0).appendingPathComponent("Reference"))
    }

    static let alternatives: [Solution] = challenges.flatMap { challenge in
        folders(graders(challenge).appendingPathComponent("Alternatives")).map {
            Solution(challenge: challenge, kind: .alternative, name: $0.lastPathComponent, folder: $0)
        }
    }

    static let variants: [Solution] = challenges.flatMap { challenge in
        folders(graders(challenge).appendingPathComponent("Variants")).map {
            Solution(challenge: challenge, kind: .variant, name: $0.lastPathComponent, folder: $0)
        }
    }

    static func names(_ kind: Kind, of challenge: String) -> Set<String> {
        Set((kind == .variant ? variants : alternatives).filter { $0.challenge == challenge }.map(\.name))
    }

    private static func folders(_ directory: URL) -> [URL] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
            .map { directory.appendingPathComponent($0) }
            .filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
    }
}

/// What a known-bad variant must lose (`Variants/<name>/expected.json`).
struct VariantExpectation: Decodable {
    var description: String
    /// Every check that did not pass (skipped ones too).
    var failingChecks: [String]
    /// Those of them that were skipped (not assessed, out of their criterion's score).
    var skippedChecks: [String]
    var lostCriteria: [String]
    var redFlags: [String]
    var recommendation: String
}

/// One line per non-passing check, for failure messages.
func summary(_ report: GradingReport) -> String {
    let checks = report.checks.filter { $0.status != .pass }.map { "\($0.id): \($0.status.rawValue): \($0.message)" }
    return "status \(report.status.rawValue), score \(report.score)/\(report.maxScore), flags \(report.redFlags.map(\.id.rawValue)), error: \(report.error ?? "-")\n" + checks.joined(separator: "\n")
}
