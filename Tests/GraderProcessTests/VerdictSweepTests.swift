import Foundation
@testable import GraderProcess
import Testing

/// What a killed grader leaves in /tmp is removed by the next one, and nothing else is.
@Suite struct VerdictSweepTests {
    @Test func onlyDeadGradersDirectoriesAreRemoved() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let dead = finished.processIdentifier
        let target = base + "/elsewhere"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for name in ["grader-verdict.\(dead).aaaaaa", "grader-verdict.\(getpid()).bbbbbb", "grader-verdict.notapid.cccccc"] {
            try FileManager.default.createDirectory(atPath: "\(base)/\(name)", withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: "\(base)/\(name)/verdict.json", contents: Data("{}".utf8))
        }
        try FileManager.default.createSymbolicLink(atPath: "\(base)/grader-verdict.\(dead).link", withDestinationPath: target)

        SandboxedProcessRunner.sweepStaleVerdictDirectories(in: base)

        let left = Set(try FileManager.default.contentsOfDirectory(atPath: base))
        #expect(left == ["elsewhere", "grader-verdict.\(getpid()).bbbbbb", "grader-verdict.notapid.cccccc", "grader-verdict.\(dead).link"])
    }
}
