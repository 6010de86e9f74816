#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GraderModel
import GraderStore
import Synchronization
import Testing

/// The daemon as its users run it, on loopback: the README's quick start, and a daemon killed
/// with SIGKILL mid-grading that loses nothing on restart.
@Suite(.serialized) final class DaemonLiveTests {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("grader-daemon-\(UUID().uuidString)")
    static let reference = EndToEnd.root.appendingPathComponent("Graders/lru-cache/Reference/LRUCache.swift").path

    deinit { try? FileManager.default.removeItem(at: data) }

    /// A `grader serve` process and what it has logged.
    final class LogBox: Sendable {
        let text = Mutex("")
    }

    final class Daemon {
        let process: Process
        let log = LogBox()
        let port: Int

        init(data: URL, arguments: [String] = []) throws {
            process = Process()
            process.executableURL = EndToEnd.graderExecutable
            process.arguments = ["serve", "--port", "0", "--data-dir", data.path] + arguments
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            let log = self.log
            errors.fileHandleForReading.readabilityHandler = { handle in
                let chunk = handle.availableData
                log.text.withLock { $0 += String(decoding: chunk, as: UTF8.self) }
            }
            try process.run()
            let deadline = ContinuousClock.now + .seconds(60)
            var found: Int?
            while found == nil, process.isRunning, ContinuousClock.now < deadline {
                found = log.text.withLock { text in
                    text.range(of: "listening on http://127.0.0.1:").map { range in
                        Int(text[range.upperBound...].prefix(while: \.isNumber)) ?? 0
                    }
                }
                if found == nil { Thread.sleep(forTimeInterval: 0.05) }
            }
            port = found ?? 0
        }

        var url: String { "http://127.0.0.1:\(port)" }
        var text: String { log.text.withLock { $0 } }

        /// Sends `signal` and waits for the exit status.
        func stop(_ signal: Int32) -> Int32 {
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    func grader(_ arguments: [String], environment: [String: String] = [:]) throws -> EndToEnd.Run {
        let removing = ["GRADER_SERVER", "GRADER_TOKEN"].filter { environment[$0] == nil }
        return try EndToEnd.runGrader(arguments, environment: environment, removing: removing)
    }

    func token(_ role: String, _ name: String) throws -> String {
        let created = try grader(["tokens", "create", "--role", role, "--name", name, "--data-dir", data.path])
        #expect(created.status == 0, "\(created.stderr)")
        return String(created.stdout.split(separator: "\n").last ?? "")
    }

    @Test func theQuickStartTokenServeSubmitWaitReportWorksAsWritten() async throws {
        let candidate = try token("candidate", "ada")
        let reviewer = try token("reviewer", "rita")
        let daemon = try Daemon(data: data)
        #expect(daemon.port > 0, "the daemon did not start: \(daemon.text)")
        let environment = ["GRADER_SERVER": daemon.url, "GRADER_TOKEN": candidate]

        let submitted = try grader(["submit", "lru-cache", Self.reference, "--wait"], environment: environment)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        #expect(submitted.stdout.contains("Score:   85 / 85 auto points"), "\(submitted.stdout)")
        #expect(submitted.stdout.contains("hidden checks: 14 of 14 passed"))
        #expect(submitted.stderr.contains(": running, checks "), "no progress: \(submitted.stderr)")
        let id = try #require(submitted.stderr.split(separator: " ").first { $0.hasPrefix("sub_") }.map(String.init))

        let candidateJSON = try grader(["report", id, "--format", "json"], environment: environment)
        #expect(candidateJSON.status == 0 && candidateJSON.stdout.contains("grader.candidate-report/v1"))
        let hidden = try #require(try await EndToEnd.pipeline().catalog.load("lru-cache").mapping?.checks.map(\.id))
        for check in hidden { #expect(!candidateJSON.stdout.contains("\"\(check)\""), "a hidden check's id reached the candidate: \(check)") }

        let full = try grader(["report", id, "--format", "json", "--token", reviewer], environment: environment)
        #expect(full.status == 0 && full.stdout.contains("\"schema\" : \"grader.report/v1\""), "\(full.stdout.prefix(300))")
        let status = try grader(["status", id], environment: environment)
        #expect(status.status == 0 && status.stdout.contains("graded") && status.stdout.contains("running "), "\(status.stdout)")
        let list = try grader(["list"], environment: environment)
        #expect(list.status == 0 && list.stdout.contains(id))

        let other = try token("candidate", "bob")
        let refused = try grader(["status", id, "--token", other], environment: environment)
        #expect(refused.status == 2 && refused.stderr.contains("no submission"))
        let badToken = try grader(["list", "--token", "tok_aaaaaaaaaaaaaaaaaaaa.00"], environment: environment)
        #expect(badToken.status == 2 && badToken.stderr.contains("refused the token"))
        let rejected = try grader(["submit", "lru-cache", EndToEnd.root.appendingPathComponent("README.md").path], environment: environment)
        #expect(rejected.status == 2 && rejected.stderr.contains("must end in .swift"), "\(rejected.stderr)")

        #expect(daemon.stop(SIGTERM) == 0, "\(daemon.text)")
        let unreachable = try grader(["status", id], environment: environment)
        #expect(unreachable.status == 3 && unreachable.stderr.contains("cannot reach the grading server"), "\(unreachable.stderr)")
    }

    @Test func aDaemonKilledMidGradingLosesNothingAndGradesEveryJobOnce() async throws {
        let candidate = try token("candidate", "ada")
        let first = try Daemon(data: data, arguments: ["--workers", "1"])
        #expect(first.port > 0, "the daemon did not start: \(first.text)")
        var ids: [String] = []
        for _ in 0..<2 {
            let run = try grader(["submit", "lru-cache", Self.reference, "--server", first.url, "--token", candidate])
            #expect(run.status == 0, "\(run.stderr)")
            ids.append(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let database = try GraderDatabase(dataDirectory: data, create: false)
        // Wait until the first job is mid-grading: its checks have started.
        let deadline = ContinuousClock.now + .seconds(240)
        var killed: GradingJob?
        while ContinuousClock.now < deadline {
            if let job = try database.status(submissionID: ids[0])?.job, job.state == .running, job.checksDone > 0 { killed = job; break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let victim = try #require(killed, "the first job never reached its checks: \(first.text)")
        #expect(first.stop(SIGKILL) == SIGKILL)
        #expect(try database.job(id: victim.id)?.state == .running, "the job finished before the kill; nothing was tested")
        #expect(try database.gradings(submissionID: ids[0]).isEmpty)

        let second = try Daemon(data: data, arguments: ["--workers", "1"])
        #expect(second.port > 0, "the daemon did not restart: \(second.text)")
        #expect(second.text.contains("requeued jobs a stopped daemon left mid-grading"), "\(second.text)")
        let finishDeadline = ContinuousClock.now + .seconds(300)
        while try database.jobCounts()[.finished] != 2, ContinuousClock.now < finishDeadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(second.stop(SIGTERM) == 0)
        #expect(try database.jobCounts() == [.queued: 0, .compiling: 0, .running: 0, .finished: 2], "\(second.text)")
        for id in ids {
            let gradings = try database.gradings(submissionID: id)
            #expect(gradings.count == 1, "\(id) was graded \(gradings.count) times")
            #expect(gradings.first?.status == "graded" && gradings.first?.score == 85)
        }
        #expect(try database.job(id: victim.id)?.attempts == 2, "the killed attempt and the one that finished")
        #expect(try database.integrityCheck() == ["ok"])
        // What the killed daemon left in /tmp was swept by the sandbox runs after it.
        let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? [])
            .filter { $0.hasPrefix("grader-verdict.\(first.process.processIdentifier).") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
