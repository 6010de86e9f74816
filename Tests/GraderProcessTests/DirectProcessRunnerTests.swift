import Foundation
import GraderProcess
import Testing

@Suite struct DirectProcessRunnerTests {
    let runner = DirectProcessRunner()

    func shell(_ script: String, stdin: String = "", wall: Double = 20, outputBytes: Int = 1 << 20,
               environment: [String: String] = ["PATH": "/usr/bin:/bin"]) async throws -> ProcessResult {
        try await runner.run(ProcessRequest(
            executable: "/bin/sh", arguments: ["-c", script], environment: environment,
            workingDirectory: NSTemporaryDirectory(), standardInput: Array(stdin.utf8), profile: .run,
            limits: ProcessLimits(wallSeconds: wall, outputBytes: outputBytes)))
    }

    @Test func capturesOutputAndExitStatus() async throws {
        let result = try await shell("echo out; echo err >&2; exit 7")
        #expect(result.termination == .exited(7))
        #expect(String(decoding: result.standardOutput, as: UTF8.self) == "out\n")
        #expect(String(decoding: result.standardError, as: UTF8.self) == "err\n")
        #expect(result.limitHit == nil)
        #expect(!result.succeeded)
    }

    @Test func reportsTheSignalThatKilledTheProcess() async throws {
        let result = try await shell("kill -SEGV $$")
        #expect(result.termination == .signaled(11))
    }

    @Test func passesStandardInputAndOnlyTheGivenEnvironment() async throws {
        setenv("GRADER_TEST_LEAK", "leaked", 1)
        let result = try await shell("read line; echo \"$line|$ONLY|${GRADER_TEST_LEAK:-absent}\"", stdin: "token123\n",
                                     environment: ["PATH": "/usr/bin:/bin", "ONLY": "this"])
        #expect(String(decoding: result.standardOutput, as: UTF8.self) == "token123|this|absent\n")
    }

    @Test func capsCapturedOutputKeepingItsHeadAndTail() async throws {
        let result = try await shell("echo first; head -c 300000 /dev/zero; echo last; echo done >&2", outputBytes: 1000)
        #expect(result.standardOutput.count == 1000)
        #expect(result.standardOutputTruncated)
        #expect(result.standardOutput.starts(with: Array("first\n".utf8)))
        #expect(result.standardOutput.suffix(5) == Array("last\n".utf8)[...])
        #expect(String(decoding: result.standardError, as: UTF8.self) == "done\n")
        #expect(result.termination == .exited(0))
    }

    @Test func theWallLimitKillsTheWholeProcessGroup() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("grandchild-\(UUID().uuidString)")
        // The grandchild would write the marker after 3 s if it survived the kill.
        let started = Date()
        let result = try await shell("(sleep 3; touch \(marker.path)) & sleep 60", wall: 1)
        #expect(result.limitHit == .wallTime)
        #expect(result.termination == .signaled(9))
        #expect(Date().timeIntervalSince(started) < 10)
        try await Task.sleep(for: .seconds(4))
        #expect(!FileManager.default.fileExists(atPath: marker.path), "a grandchild outlived the wall-clock kill")
    }

    @Test func aMissingExecutableIsALaunchError() async throws {
        await #expect(throws: ProcessLaunchError.self) {
            try await runner.run(ProcessRequest(executable: "/nonexistent/tool", arguments: [], environment: [:],
                                                workingDirectory: "/", profile: .run, limits: ProcessLimits(wallSeconds: 5)))
        }
    }
}
