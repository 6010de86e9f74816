import Foundation
import GraderModel
import Testing

/// The `grader` executable, driven as a user would.
@Suite(.serialized) final class CommandLineTests {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("grader-cli-\(UUID().uuidString)")

    deinit { try? FileManager.default.removeItem(at: data) }

    func grader(_ arguments: [String], in directory: URL? = nil) throws -> EndToEnd.Run {
        try EndToEnd.runGrader(arguments, environment: ["GRADER_DATA_DIR": data.path], in: directory)
    }

    @Test func theExecutableIsBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: EndToEnd.graderExecutable.path),
                "build it first: swift build (scripts/test.sh does)")
    }

    @Test func challengesListsTheThreeChallenges() throws {
        let run = try grader(["challenges"])
        #expect(run.status == 0)
        let ids = run.stdout.split(separator: "\n").filter { !$0.hasPrefix("\t") }.map { $0.prefix(while: { $0 != "\t" }) }
        #expect(ids == ["reserve-seat", "webhook-idempotency", "lru-cache"], "\(run.stdout)")
        #expect(run.stdout.contains("lru-cache\tLRU cache with O(1) get and put"))
    }

    /// `grader init` gives a candidate of each challenge what the README says, and the starter
    /// compiles and runs the public checks (failing them, as a starter does).
    @Test(arguments: [("reserve-seat", "SeatReservationService.swift", "PublicTests/RemoteSeatReservations.swift"),
                      ("webhook-idempotency", "PaymentWebhookHandler.swift", "PublicTests/RemoteWebhookHandler.swift")])
    func initAndTestWorkForTheServiceChallenges(challenge: String, starter: String, helper: String) throws {
        let target = data.appendingPathComponent("candidate-\(challenge)")
        let created = try grader(["init", challenge, target.path])
        #expect(created.status == 0, "\(created.stderr)")
        for file in ["README.md", starter, "rubric.json", helper] {
            #expect(FileManager.default.fileExists(atPath: target.appendingPathComponent(file).path), "\(file) missing")
        }
        let test = try grader(["test", challenge, target.appendingPathComponent(starter).path])
        #expect(test.status == 1, "\(test.stdout) \(test.stderr)")
        #expect(test.stdout.contains("public checks passed"), "\(test.stdout)")
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

    /// A failing randomised check names its seed; replaying it with that seed shows the same
    /// failure and the same interleaving, run after run (the same seed against the same solution
    /// gives the same sequence of service operations), and another seed shows another one.
    @Test func replayingAFailingCheckBySeedReproducesItsInterleaving() throws {
        let variant = EndToEnd.root.appendingPathComponent("Graders/reserve-seat/Variants/actor-read-then-write/SeatReservationService.swift")
        let first = try grader(["replay", "reserve-seat", "many-seats-storm", variant.path, "--seed", "0x32"])
        #expect(first.status == 1, "\(first.stderr)")
        #expect(first.stdout.contains("✗ reserve-seat many-seats-storm fail under seed 0x32"), "\(first.stdout)")
        #expect(first.stdout.contains("replay this check with --seed 0x32"), "\(first.stdout)")
        #expect(first.stdout.contains("interleaving on"), "\(first.stdout)")
        // Wall-clock figures are the machine's, not the schedule's: the check's duration, and how
        // many calls the timeline completed after waiting for a quiet subject rather than on its
        // quorum (a loaded machine can make it wait, which leaves the order of operations alone).
        func withoutTimings(_ text: String) -> String {
            text.replacingOccurrences(of: #"\(\d+ ms\)"#, with: "", options: .regularExpression)
                .replacingOccurrences(of: #", \d+ calls? completed after the subject went quiet"#, with: "",
                                      options: .regularExpression)
        }
        for _ in 0..<2 {
            let decimal = try grader(["replay", "reserve-seat", "many-seats-storm", variant.path, "--seed", "50"])
            let again = try grader(["replay", "reserve-seat", "many-seats-storm", variant.path, "--seed", "0x32"])
            #expect(withoutTimings(decimal.stdout) == withoutTimings(first.stdout), "--seed 50 is 0x32: \(decimal.stderr)")
            #expect(withoutTimings(again.stdout) == withoutTimings(first.stdout), "\(again.stderr)")
        }
        let other = try grader(["replay", "reserve-seat", "many-seats-storm", variant.path, "--seed", "0x99"])
        #expect(other.status == 1)
        #expect(withoutTimings(other.stdout).replacingOccurrences(of: "0x99", with: "0x32") != withoutTimings(first.stdout),
                "another seed gave the same interleaving")

        // A stored submission is replayed by its id; the reference passes under the same seed.
        let reference = EndToEnd.root.appendingPathComponent("Graders/webhook-idempotency/Reference/PaymentWebhookHandler.swift")
        let graded = try grader(["grade", "webhook-idempotency", reference.path, "--format", "json"])
        let id = try #require(graded.stderr.components(separatedBy: "stored submission ").last?.prefix(while: { !$0.isNewline }))
        let replay = try grader(["replay", String(id), "concurrent-duplicates", "--seed", "0x7"])
        #expect(replay.status == 0, "\(replay.stdout) \(replay.stderr)")
        #expect(replay.stdout.contains("✓ webhook-idempotency concurrent-duplicates pass under seed 0x7"), "\(replay.stdout)")
        for (arguments, message) in [
            (["replay", String(id), "race-free"], "is the race pass"),
            (["replay", String(id), "no-such-check"], "has no check \"no-such-check\""),
            (["replay", String(id), "concurrent-duplicates", "--seed", "0xZZ"], "is not a number"),
            (["replay", "sub_aaaaaaaaaaaaaaaaaaaa", "concurrent-duplicates"], "no submission"),
        ] {
            let refused = try grader(arguments)
            #expect(refused.status == 2, "\(arguments): \(refused.stderr)")
            #expect(refused.stderr.contains(message), "\(arguments): \(refused.stderr)")
        }
    }

    @Test func everySubcommandHasHelp() throws {
        for command in ["challenges", "init", "test", "grade", "report", "replay"] {
            let run = try grader([command, "--help"])
            #expect(run.status == 0)
            #expect(run.stdout.contains("USAGE: grader \(command)"))
        }
    }
}
