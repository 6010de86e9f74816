import Foundation
import GraderModel
import Testing

/// The `grader` executable, driven as a user would.
@Suite(.serialized) final class CommandLineTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    let data = FileManager.default.temporaryDirectory.appendingPathComponent("grader-cli-\(UUID().uuidString)")

    deinit { try? FileManager.default.removeItem(at: data) }

    func grader(_ arguments: [String], in directory: URL? = nil) throws -> Run {
        let process = Process()
        process.executableURL = EndToEnd.graderExecutable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GRADER_DATA_DIR"] = data.path
        process.environment = environment
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

    @Test func theExecutableIsBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: EndToEnd.graderExecutable.path),
                "build it first: swift build (scripts/test.sh does)")
    }

    @Test func challengesListsLRUCache() throws {
        let run = try grader(["challenges"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("lru-cache\tLRU cache with O(1) get and put"))
    }

    @Test func initWritesTheCandidatesFilesAndNeverOverwrites() throws {
        let target = data.appendingPathComponent("candidate")
        let first = try grader(["init", "lru-cache", target.path])
        #expect(first.status == 0, "\(first.stderr)")
        for file in ["README.md", "LRUCache.swift", "rubric.json", "PublicTests/PublicChecks.swift", "PublicTests/RemoteLRUCache.swift"] {
            #expect(FileManager.default.fileExists(atPath: target.appendingPathComponent(file).path), "\(file)")
        }
        #expect(!FileManager.default.fileExists(atPath: target.appendingPathComponent("checks.json").path))
        let again = try grader(["init", "lru-cache", target.path])
        #expect(again.status == 2)
        #expect(again.stderr.contains("already exists"))
        // The starter compiles and fails the public checks.
        let test = try grader(["test", "lru-cache", target.appendingPathComponent("LRUCache.swift").path])
        #expect(test.status == 1, "\(test.stdout)\(test.stderr)")
        #expect(test.stdout.contains("0 of 2 public checks passed"))
    }

    @Test func gradeStoresAndReportReprintsTheSameJSON() throws {
        let reference = EndToEnd.root.appendingPathComponent("Graders/lru-cache/Reference/LRUCache.swift")
        let graded = try grader(["grade", "lru-cache", reference.path, "--format", "json", "--candidate", "ada"])
        #expect(graded.status == 0, "\(graded.stderr)")
        let report = try GradingReport.decode(Data(graded.stdout.utf8))
        #expect(report.schema == "grader.report/v1")
        #expect(report.submission.candidate == "ada")
        #expect(report.status == .graded)
        #expect(graded.stderr.contains("stored submission \(report.submission.id)"))
        let reprinted = try grader(["report", report.submission.id, "--format", "json"])
        #expect(reprinted.status == 0)
        #expect(try GradingReport.decode(Data(reprinted.stdout.utf8)) == report)
        let text = try grader(["report", report.grading.id])
        #expect(text.stdout.contains("Recommendation:  ADVANCE"))
        let markdown = try grader(["report", report.grading.id, "--format", "markdown"])
        #expect(markdown.stdout.hasPrefix("# lru-cache: ada"))
        let high = try grader(["grade", "lru-cache", reference.path, "--min-score", "200"])
        #expect(high.status == 1)
    }

    @Test func badInputIsAUsageErrorAndStoresNothing() throws {
        let notSwift = data.appendingPathComponent("notes.txt")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try Data("hello".utf8).write(to: notSwift)
        let cases: [([String], String)] = [
            (["grade", "lru-cache", notSwift.path], "must end in .swift"),
            (["grade", "no-such-challenge", notSwift.path], "unknown challenge"),
            (["grade", "lru-cache", data.path], "is not a regular file"),
            (["grade", "lru-cache", "/nonexistent/A.swift"], "cannot read"),
            (["report", "'; DROP TABLE submission; --"], "is not a submission or grading id"),
            (["report", "sub_00000000000000000000"], "there is no database"),
            (["grade", "lru-cache"], "Missing expected argument"),
            (["grade", "lru-cache", notSwift.path, "--format", "pdf"], "pdf"),
        ]
        for (arguments, message) in cases {
            let run = try grader(arguments)
            #expect(run.status == 2, "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
        }
        // Nothing was created: no database, no caches.
        #expect(try FileManager.default.contentsOfDirectory(atPath: data.path) == ["notes.txt"])
    }

    @Test func everySubcommandHasHelp() throws {
        for command in ["challenges", "init", "test", "grade", "report"] {
            let run = try grader([command, "--help"])
            #expect(run.status == 0)
            #expect(run.stdout.contains("USAGE: grader \(command)"))
        }
    }
}
