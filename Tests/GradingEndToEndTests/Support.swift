import Foundation
import GraderModel
import GraderPipeline
import GraderProcess
import GraderStore

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

    static func grade(_ file: URL, candidate: String) async throws -> GradingReport {
        let pipeline = try await pipeline()
        let submission = try pipeline.submit(
            challenge: "lru-cache", candidate: candidate,
            files: [SubmittedFile(name: file.lastPathComponent, content: try Data(contentsOf: file))])
        return try await pipeline.grade(submission)
    }

    static var variantsDirectory: URL { root.appendingPathComponent("Graders/lru-cache/Variants") }
    static var alternativesDirectory: URL { root.appendingPathComponent("Graders/lru-cache/Alternatives") }

    /// The correct alternative solutions present on disk.
    static let alternativeNames: [String] = {
        ((try? FileManager.default.contentsOfDirectory(atPath: alternativesDirectory.path)) ?? []).sorted()
    }()

    /// The variant folders present on disk.
    static let variantNames: [String] = {
        ((try? FileManager.default.contentsOfDirectory(atPath: variantsDirectory.path)) ?? []).sorted()
    }()

    /// The `grader` executable built next to the test bundle.
    static var graderExecutable: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("grader")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return root.appendingPathComponent(".build/debug/grader")
    }
}

/// What a known-bad variant must lose (`Variants/<name>/expected.json`).
struct VariantExpectation: Decodable {
    var description: String
    var failingChecks: [String]
    var lostCriteria: [String]
    var redFlags: [String]
    var recommendation: String
}

/// One line per non-passing check, for failure messages.
func summary(_ report: GradingReport) -> String {
    let checks = report.checks.filter { $0.status != .pass }.map { "\($0.id): \($0.status.rawValue): \($0.message)" }
    return "status \(report.status.rawValue), score \(report.score)/\(report.maxScore), flags \(report.redFlags.map(\.id.rawValue)), error: \(report.error ?? "-")\n" + checks.joined(separator: "\n")
}
