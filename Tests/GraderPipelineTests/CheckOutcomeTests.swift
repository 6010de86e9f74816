import Foundation
import GraderModel
@testable import GraderPipeline
import GraderProcess
import Testing
import Wire

/// How a check's outcome is read: the verdict is the driver's report; how the subject ended (a
/// signal, a limit, a forbidden system call) comes from its sandbox verdict, never from anything
/// the subject printed or its exit status.
@Suite struct CheckOutcomeTests {
    let check = CheckDefinition(id: "eviction-order", title: "Eviction order", timeoutSeconds: 5, visibility: .hidden)

    func subject(stderr: String = "", termination: ProcessResult.Termination = .exited(0), limit: ProcessResult.Limit? = nil,
                 seccomp: Bool = true, syscall: String? = nil, stopped: Bool = false) -> ProcessResult {
        ProcessResult(termination: termination, standardOutput: [], standardError: Array(stderr.utf8), wallSeconds: 0.25,
                      limitHit: limit, cpuSeconds: 0.1, peakMemoryBytes: 1 << 20, violatingSyscall: syscall,
                      isolation: SandboxIsolation(namespaces: ["pid", "mount", "network"], privateRoot: true, uidSwitched: true,
                                                  seccomp: seccomp, memory: "cgroup-v2", notes: ""),
                      stopped: stopped)
    }

    func report(_ status: DriverReport.Status, _ message: String = "msg", phase: String? = nil) -> DriverReport {
        DriverReport(status: status, message: message, evidence: ["ev"], phase: phase)
    }

    @Test func theDriversVerdictDecides() {
        let passed = CheckRunner.outcome(of: check, subject: subject(), report: report(.pass, "passed"))
        #expect(passed.status == .pass && passed.evidence == ["ev"])
        #expect(passed.cpuMs == 100 && passed.peakMemoryBytes == 1 << 20, "resource figures come from the subject's sandbox")
        for (status, expected) in [(DriverReport.Status.fail, CheckStatus.fail), (.timeout, .timeout), (.error, .error)] {
            let outcome = CheckRunner.outcome(of: check, subject: subject(), report: report(status))
            #expect(outcome.status == expected && outcome.message == "msg")
        }
    }

    @Test func theSubjectsOwnExitStatusDecidesNothing() {
        // The subject leaving with 0 after the driver reported a failure is still a failure.
        #expect(CheckRunner.outcome(of: check, subject: subject(termination: .exited(0)), report: report(.fail)).status == .fail)
        // And with 0 before the check finished it is a crash, whatever it printed.
        let early = CheckRunner.outcome(of: check, subject: subject(stderr: "GRADER-CHECK-REPORT pass\n"),
                                        report: report(.subjectEnded, "the subject ended during put(1, 2)"))
        #expect(early.status == .crash)
        #expect(early.message.hasPrefix("the process exited with status 0 before the check finished"))
        #expect(early.message.contains("during put(1, 2)"))
    }

    @Test func aSignalIsACrashWithTheRuntimeMessage() {
        let result = CheckRunner.outcome(of: check, subject: subject(stderr: "noise\nLRUCache.swift:10: Fatal error: Index out of range\n",
                                                                     termination: .signaled(4)),
                                         report: report(.subjectEnded, "the subject ended during get(2)", phase: "concurrent"))
        #expect(result.status == .crash)
        #expect(result.message.contains("signal 4"))
        #expect(result.message.contains("Fatal error: Index out of range"))
        #expect(result.output.contains("noise"))
        #expect(result.phase == "concurrent", "the driver's phase attributes the crash")
    }

    @Test func limitsAreNamed() {
        let memory = CheckRunner.outcome(of: check, subject: subject(termination: .signaled(9), limit: .memory),
                                         report: report(.subjectEnded, ""))
        #expect(memory.status == .crash && memory.message.contains("the memory limit was exceeded"))
        let wall = CheckRunner.outcome(of: check, subject: subject(termination: .signaled(9), limit: .wallTime),
                                       report: report(.subjectEnded, ""))
        #expect(wall.status == .timeout && wall.message.contains("the check's limit is 5.0 s"))
    }

    @Test func aSeccompKillIsASandboxViolationWhateverTheDriverSaid() {
        for status in [DriverReport.Status.pass, .subjectEnded, .fail] {
            let result = CheckRunner.outcome(of: check, subject: subject(termination: .signaled(SIGSYS), syscall: "socket"),
                                             report: report(status))
            #expect(result.status == .sandboxViolation)
            #expect(result.message.contains("`socket`"))
        }
        // Without the sandbox's filter a SIGSYS is only a crash.
        let unfiltered = CheckRunner.outcome(of: check, subject: subject(termination: .signaled(SIGSYS), seccomp: false),
                                             report: report(.subjectEnded, ""))
        #expect(unfiltered.status == .crash)
    }

    @Test func withoutAReportTheCheckIsNotScored() {
        #expect(CheckRunner.outcome(of: check, subject: subject(), report: nil).status == .error)
    }

    @Test func theOutputTailIsBounded() {
        let result = CheckRunner.outcome(of: check, subject: subject(stderr: String(repeating: "x", count: 50_000) + "END",
                                                                     termination: .exited(1)),
                                         report: report(.subjectEnded, ""))
        #expect(result.output.hasSuffix("END"))
        #expect(result.output.utf8.count <= CheckRunner.outputTailBytes + 5)
    }

    @Test func noncesAreLongRandomAndHex() {
        let tokens = (0..<100).map { _ in CheckRunner.makeToken() }
        #expect(Set(tokens).count == 100)
        #expect(tokens.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })
    }

    /// The driver marks a rehearsal's phase with the prefix scoring reads: one string on both sides.
    @Test func theRehearsalPhasePrefixIsOneString() {
        #expect(DriverReport.rehearsalPhasePrefix == CheckOutcome.rehearsalPhasePrefix)
    }
}
