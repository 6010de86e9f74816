import Foundation
import GraderModel
@testable import GraderPipeline
import GraderProcess
import HarnessKit
import Testing

/// How a finished check process is read: only an authenticated result line decides a check.
@Suite struct CheckOutcomeTests {
    let check = CheckDefinition(id: "eviction-order", title: "Eviction order", timeoutSeconds: 5, visibility: .hidden)
    let token = CheckRunner.makeToken()

    func line(token: String, check: String = "eviction-order", status: CheckReport.Status = .pass) -> String {
        let report = CheckReport(token: token, check: check, status: status, message: "msg", evidence: ["ev"],
                                 durationMicros: 10, cpuMicros: 20, maxResidentBytes: 30)
        return CheckReport.marker + String(decoding: try! JSONEncoder().encode(report), as: UTF8.self) + "\n"
    }

    func outcome(stdout: String, stderr: String = "", termination: ProcessResult.Termination = .exited(0),
                 limit: ProcessResult.Limit? = nil) -> CheckOutcome {
        CheckRunner.outcome(of: check, result: ProcessResult(
            termination: termination, standardOutput: Array(stdout.utf8), standardError: Array(stderr.utf8),
            wallSeconds: 0.25, limitHit: limit), token: token)
    }

    @Test func anAuthenticatedPassPasses() {
        let result = outcome(stdout: line(token: token))
        #expect(result.status == .pass)
        #expect(result.evidence == ["ev"])
        #expect(result.durationMs == 250)
    }

    @Test(arguments: [CheckReport.Status.fail, .timeout, .error])
    func authenticatedStatusesAreKept(status: CheckReport.Status) {
        #expect(outcome(stdout: line(token: token, status: status)).status.rawValue == status.rawValue)
    }

    @Test func aForgedPassFollowedByExitZeroDoesNotPass() {
        let forged = line(token: String(repeating: "0", count: 64))
        let result = outcome(stdout: forged + forged)
        #expect(result.status == .crash)
        #expect(result.message == "the process exited with status 0 before the check finished")
        #expect(result.evidence.contains { $0.contains("2 result line(s) without the secret token were ignored") })
    }

    @Test func aResultForAnotherCheckDoesNotCount() {
        #expect(outcome(stdout: line(token: token, check: "other")).status == .crash)
    }

    @Test func twoAuthenticatedResultsMeanTampering() {
        let result = outcome(stdout: line(token: token) + line(token: token))
        #expect(result.status == .fail)
        #expect(result.message.contains("tampered"))
    }

    @Test func aSignalIsACrashWithTheRuntimeMessage() {
        let result = outcome(stdout: "", stderr: "noise\nLRUCache.swift:10: Fatal error: Index out of range\n", termination: .signaled(4))
        #expect(result.status == .crash)
        #expect(result.message.contains("signal 4"))
        #expect(result.message.contains("Fatal error: Index out of range"))
        #expect(result.output.contains("noise"))
    }

    @Test func aWallClockKillIsATimeout() {
        let result = outcome(stdout: "", termination: .signaled(9), limit: .wallTime)
        #expect(result.status == .timeout)
        #expect(result.message.contains("the check's limit is 5.0 s"))
    }

    @Test func theOutputTailIsBounded() {
        let result = outcome(stdout: "", stderr: String(repeating: "x", count: 50_000) + "END", termination: .exited(1))
        #expect(result.output.hasSuffix("END"))
        #expect(result.output.utf8.count <= CheckRunner.outputTailBytes + 5)
    }

    func phaseLine(token: String, phase: String) -> String {
        CheckPhase.marker + String(decoding: try! JSONEncoder().encode(CheckPhase(token: token, check: "eviction-order", phase: phase)),
                                   as: UTF8.self) + "\n"
    }

    @Test func aCrashIsAttributedToTheLastAuthenticatedPhase() {
        let result = outcome(stdout: phaseLine(token: token, phase: "concurrent"), termination: .signaled(11))
        #expect(result.status == .crash)
        #expect(result.phase == "concurrent")
    }

    @Test func forgedPhaseMarkersAreIgnored() {
        let forged = phaseLine(token: String(repeating: "f", count: 64), phase: "concurrent")
        let result = outcome(stdout: phaseLine(token: token, phase: "rehearsal") + forged, termination: .signaled(11))
        #expect(result.phase == "rehearsal")
        #expect(result.evidence.contains { $0.contains("1 result line(s) without the secret token") })
    }

    @Test func theFinalReportsPhaseWins() {
        let report = CheckReport(token: token, check: "eviction-order", status: .fail, message: "m", evidence: [],
                                 durationMicros: 1, cpuMicros: 1, maxResidentBytes: 1, phase: "concurrent")
        let line = CheckReport.marker + String(decoding: try! JSONEncoder().encode(report), as: UTF8.self) + "\n"
        let result = outcome(stdout: phaseLine(token: token, phase: "rehearsal") + line)
        #expect(result.status == .fail)
        #expect(result.phase == "concurrent")
    }

    @Test func tokensAreLongRandomAndHex() {
        let tokens = (0..<100).map { _ in CheckRunner.makeToken() }
        #expect(Set(tokens).count == 100)
        #expect(tokens.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })
    }
}
