import Foundation
import GraderModel
@testable import GraderPipeline
import GraderProcess
import Testing
import Wire

/// How the race pass reads ThreadSanitizer's output and turns it into one verdict.
@Suite struct RacePassTests {
    /// Two reports as the race pass's processes print them (`symbolize=0`), with the candidate's
    /// own output interleaved.
    static let log = """
        candidate says hello
        ==================
        WARNING: ThreadSanitizer: data race (pid=4242)
          Write of size 8 at 0x7b0400001234 by thread T3:
            #0 <null> <null> (checks+0x1000) (BuildId: abc)
            #1 <null> <null> (checks+0x2000) (BuildId: abc)

          Previous read of size 8 at 0x7b0400001234 by thread T5:
            #0 <null> <null> (checks+0x1100) (BuildId: abc)
            #1 <null> <null> (libswiftCore.so+0x46fa6e) (BuildId: def)

          Location is heap block of size 56 at 0x7b0400001200 allocated by thread T1:
            #0 <null> <null> (checks+0x7ff70) (BuildId: abc)

          Thread T3 (tid=18162, running) created by thread T1 at:
            #0 <null> <null> (checks+0x81b5a) (BuildId: abc)

        SUMMARY: ThreadSanitizer: data race (/data/work/grd-1/race/checks+0x1000) (BuildId: abc)
        ==================
        interleaved candidate line
        ==================
        WARNING: ThreadSanitizer: Swift access race (pid=4242)
          Modifying access of Swift variable at 0x7b0400001234 by thread T6:
            #0 <null> <null> (checks+0x1008) (BuildId: abc)
          Previous modifying access of Swift variable at 0x7b0400001234 by main thread:
            #0 <null> <null> (/data/work/grd-1/race/checks+0x1100)
        SUMMARY: ThreadSanitizer: Swift access race
        ==================

        """

    typealias Frame = ThreadSanitizerLog.Frame
    typealias Symbol = StackSymbolizer.Symbol

    static let put = Symbol(mangledName: "$s19CandidateSubmission8LRUCacheC3putyyx_q_tF", function: "LRUCache.put(_:_:)",
                            file: "LRUCache.swift", line: 52)
    static let get = Symbol(mangledName: "$s19CandidateSubmission8LRUCacheC3getyq_SgxF", function: "LRUCache.get(_:)",
                            file: "LRUCache.swift", line: 44)
    static let storm = Symbol(mangledName: "$s14SubjectRuntime5StormO3run", function: "Storm.run(operations:stopStartingAt:waitUntil:perform:)",
                              file: nil, line: nil)
    static let symbols: [Frame: [Symbol]] = [
        Frame(module: "checks", offset: 0x1000): [put],
        Frame(module: "checks", offset: 0x1008): [Symbol(mangledName: put.mangledName, function: put.function, file: put.file, line: 53)],
        Frame(module: "checks", offset: 0x1100): [get],
        Frame(module: "checks", offset: 0x2000): [storm],
    ]

    static let definition = RacePassDefinition(id: "race-free", title: "no data race")
    /// Both re-run checks reached their threads in the scored checks.
    static let reachedInTheChecks: Set<String> = ["concurrent-storm", "concurrent-lost-updates"]

    static func observation(_ check: String, log text: String = log, reached: Bool = true, reported: Bool = true,
                            intact: Bool = true, probe: StandardErrorProbe? = nil, truncated: Bool = false,
                            ending: String? = nil) -> RacePass.Observation {
        RacePass.Observation(check: check, log: ThreadSanitizerLog(text), reachedConcurrency: reached, reported: reported,
                             standardErrorIntact: intact, standardErrorProbe: probe, standardErrorTruncated: truncated,
                             ending: ending)
    }

    @Test func reportsAreParsedIntoKindsSectionsAndRawFrames() throws {
        let parsed = ThreadSanitizerLog(Self.log)
        #expect(parsed.fatal == nil)
        #expect(parsed.reports.map(\.kind) == ["data race", "Swift access race"])
        let race = parsed.reports[0]
        #expect(race.sections.count == 4)
        #expect(race.accessSections.map(\.description) == ["Write of size 8", "Previous read of size 8"])
        #expect(race.accessSections[0].frames == [Frame(module: "checks", offset: 0x1000), Frame(module: "checks", offset: 0x2000)])
        #expect(race.accessSections[1].frames.last == Frame(module: "libswiftCore.so", offset: 0x46fa6e))
        #expect(race.isRace)
        let access = parsed.reports[1]
        #expect(access.accessSections.map(\.description) == ["Modifying access of Swift variable",
                                                             "Previous modifying access of Swift variable"])
        // A module printed with its directory is known by its file name only.
        #expect(access.accessSections[1].frames == [Frame(module: "checks", offset: 0x1100)])
    }

    @Test func framesAreReadDefensively() {
        #expect(ThreadSanitizerLog.frame(in: "#3 <null> <null> (checks+0x10290e) (BuildId: 6fe1)") == Frame(module: "checks", offset: 0x10290e))
        #expect(ThreadSanitizerLog.frame(in: "#0 malloc /x/tsan.cpp:686:5 (checks+0x7ff70)") == Frame(module: "checks", offset: 0x7ff70))
        #expect(ThreadSanitizerLog.frame(in: "#0 (../../etc/passwd+0x1)")?.module == "passwd")
        #expect(ThreadSanitizerLog.frame(in: "#0 (checks+0xZZ)") == nil)
        #expect(ThreadSanitizerLog.frame(in: "#0 (+0x10)") == nil)
        #expect(ThreadSanitizerLog.frame(in: "#0 no parentheses at all") == nil)
        #expect(ThreadSanitizerLog.frame(in: "#0 (checks+0x10") == nil)
    }

    @Test func aFatalSanitizerErrorIsRecognised() {
        let parsed = ThreadSanitizerLog("==77==FATAL: ThreadSanitizer: unexpected memory mapping 0x7f00-0x7f10\n")
        #expect(parsed.fatal?.hasPrefix("FATAL: ThreadSanitizer: unexpected memory mapping") == true)
        #expect(parsed.reports.isEmpty)
    }

    /// A deadly signal (ThreadSanitizer handles SIGSEGV, SIGILL, …): the crashing thread's frames,
    /// a report that is not a race (shown, never counted).
    @Test func aCrashReportGivesTheCrashingThreadsStack() {
        let parsed = ThreadSanitizerLog("""
            ThreadSanitizer:DEADLYSIGNAL
            ==32458==ERROR: ThreadSanitizer: SEGV on unknown address 0x000000000010 (pc 0x55c331e83443 bp 0x7f6c sp 0x7f6c T32461)
            ==32458==The signal is caused by a READ memory access.
                #0 <null> <null> (checks+0x1000) (BuildId: 98c2)
                #1 <null> <null> (libFoundation.so+0x3795f8) (BuildId: bbe2)

            ==32458==Register values:
            rax = 0x0000000000000000  rbx = 0x0000721000002040
             r8 = 0x0000000000000010   r9 = 0x0000100000000000
            ThreadSanitizer can not provide additional info.
            SUMMARY: ThreadSanitizer: SEGV (/tmp/checks+0x1000) (BuildId: 98c2)
            ==32458==ABORTING
            """)
        #expect(parsed.reports.map(\.kind) == ["SEGV on unknown address"])
        let crash = parsed.reports[0]
        #expect(!crash.isRace)
        #expect(crash.accessSections.map(\.description) == ["The crashing thread"])
        #expect(crash.accessSections[0].frames == [Frame(module: "checks", offset: 0x1000), Frame(module: "libFoundation.so", offset: 0x3795f8)])
        let findings = RacePass.findings(in: [Self.observation("concurrent-storm", log: """
            ==1==ERROR: ThreadSanitizer: SEGV on unknown address 0x000000000010 (pc 0x1 bp 0x2 sp 0x3 T4)
                #0 <null> <null> (checks+0x1000)
            SUMMARY: ThreadSanitizer: SEGV
            """)], symbols: Self.symbols)
        #expect(findings.map(\.finding.summary) == ["SEGV on unknown address: the crashing thread in LRUCache.put(_:_:) (LRUCache.swift:52)"])
        #expect(!findings[0].finding.counted)
    }

    @Test func aFloodOfReportsIsCapped() {
        let one = "WARNING: ThreadSanitizer: data race (pid=1)\n  Write of size 8 at 0x1 by thread T1:\n    #0 (checks+0x1)\nSUMMARY: x\n"
        let parsed = ThreadSanitizerLog(String(repeating: one, count: ThreadSanitizerLog.maximumReports + 50))
        #expect(parsed.reports.count == ThreadSanitizerLog.maximumReports)
    }

    @Test func theSameRaceSeenTwiceIsOneFindingAndOnlyTheSubmissionsRacesCount() {
        let harnessOnly = """
            WARNING: ThreadSanitizer: data race (pid=9)
              Write of size 1 at 0x10 by thread T2:
                #0 (checks+0x2000)
              Previous write of size 1 at 0x10 by thread T3:
                #0 (checks+0x2000)
            SUMMARY: ThreadSanitizer: data race
            WARNING: ThreadSanitizer: thread leak (pid=9)
              Thread T1 (tid=1, finished) created by main thread at:
                #0 (checks+0x1000)
            SUMMARY: ThreadSanitizer: thread leak
            """
        let reports = RacePass.findings(in: [Self.observation("concurrent-storm"), Self.observation("concurrent-lost-updates"),
                                             Self.observation("concurrent-storm", log: harnessOnly)],
                                        symbols: Self.symbols)
        #expect(reports.count == 4)
        let race = reports[0].finding
        #expect(race.kind == "data race" && race.counted && race.occurrences == 2)
        #expect(race.checks == ["concurrent-storm", "concurrent-lost-updates"])
        #expect(race.summary == "data race: write of size 8 in LRUCache.put(_:_:) (LRUCache.swift:52); "
            + "previous read of size 8 in LRUCache.get(_:) (LRUCache.swift:44)")
        #expect(reports[0].text.contains("#0 LRUCache.put(_:_:) (LRUCache.swift:52)  ← submission"))
        #expect(reports[0].text.contains("libswiftCore.so+0x46fa6e"))
        #expect(!reports[0].text.contains("Thread T3"))
        #expect(reports[1].finding.kind == "Swift access race" && reports[1].finding.counted)
        #expect(reports[2].finding.kind == "data race" && !reports[2].finding.counted, "a race in the harness alone is not the submission's")
        #expect(reports[3].finding.kind == "thread leak" && !reports[3].finding.counted, "only races count")
    }

    @Test func aRaceInTheSubmissionFailsThePassWhateverElseHappened() {
        let observations = [Self.observation("concurrent-storm", ending: "crash under ThreadSanitizer: SIGSEGV"),
                            Self.observation("concurrent-lost-updates")]
        let result = RacePass.verdict(Self.definition, observations: observations,
                                      findings: RacePass.findings(in: observations, symbols: Self.symbols))
        #expect(result.outcome.status == .fail)
        #expect(result.outcome.id == "race-free" && result.outcome.visibility == .hidden)
        #expect(result.outcome.message.contains("2 distinct data races in the submission's code"))
        #expect(result.outcome.message.contains("LRUCache.put(_:_:) (LRUCache.swift:52)"))
        #expect(result.summary.ran && result.summary.reports.count == 2 && result.summary.findings.count == 2)
        #expect(result.summary.checks == ["concurrent-storm", "concurrent-lost-updates"])
        #expect(result.summary.notes.contains("concurrent-storm crash under ThreadSanitizer: SIGSEGV"))
    }

    @Test func aCleanRunPassesAndSaysWhatDidNotFinish() {
        let observations = [Self.observation("concurrent-storm", log: "just output\n", ending: "timed out under ThreadSanitizer"),
                            Self.observation("concurrent-lost-updates", log: "")]
        let result = RacePass.verdict(Self.definition, observations: observations, findings: [],
                                      plainReachedConcurrency: Self.reachedInTheChecks)
        #expect(result.outcome.status == .pass)
        #expect(result.outcome.message.contains("no data race"))
        #expect(result.outcome.message.contains("concurrent-storm timed out under ThreadSanitizer"))
        #expect(result.summary.findings.isEmpty && result.summary.reports.isEmpty)
    }

    @Test func racesOutsideTheSubmissionAreShownButDoNotFail() {
        let harnessOnly = """
            WARNING: ThreadSanitizer: data race (pid=9)
              Write of size 1 at 0x10 by thread T2:
                #0 (checks+0x2000)
            SUMMARY: ThreadSanitizer: data race
            """
        let observations = [Self.observation("concurrent-storm", log: harnessOnly)]
        let result = RacePass.verdict(Self.definition, observations: observations,
                                      findings: RacePass.findings(in: observations, symbols: Self.symbols),
                                      plainReachedConcurrency: Self.reachedInTheChecks)
        #expect(result.outcome.status == .pass)
        #expect(result.summary.findings.count == 1 && !result.summary.findings[0].counted)
        #expect(result.summary.notes.contains { $0.contains("shown but not counted") })
    }

    @Test func aClosedStandardErrorFailsThePass() {
        let observations = [Self.observation("concurrent-storm", log: "", intact: false),
                            Self.observation("concurrent-lost-updates", log: "")]
        let result = RacePass.verdict(Self.definition, observations: observations, findings: [])
        #expect(result.outcome.status == .fail)
        #expect(result.outcome.message.contains("standard error was closed or redirected while concurrent-storm"))
        // A check that crashed before its concurrent phase is not judged on its standard error.
        let early = [Self.observation("concurrent-storm", log: "", reached: false, reported: false, intact: false, ending: "crash"),
                     Self.observation("concurrent-lost-updates", log: "")]
        #expect(RacePass.verdict(Self.definition, observations: early, findings: [],
                                 plainReachedConcurrency: ["concurrent-lost-updates"]).outcome.status == .skipped)
    }

    /// A subject that forwards its end marker through a pipe of its own (filtering out the
    /// reports) delivers the marker, but its descriptor 2 is not the sandbox's pipe.
    @Test func aStandardErrorSeenRedirectedAfterTheMarkerFailsThePass() {
        let filtered = [Self.observation("concurrent-storm", log: "", probe: .redirected(target: "pipe:[4242]"))]
        let result = RacePass.verdict(Self.definition, observations: filtered, findings: [])
        #expect(result.outcome.status == .fail)
        #expect(result.outcome.message.contains("standard error was closed or redirected while concurrent-storm"))
        // Gone before the probe: not confirmed, so not cleared.
        let gone = [Self.observation("concurrent-storm", log: "", probe: .unknown)]
        #expect(RacePass.verdict(Self.definition, observations: gone, findings: [], plainReachedConcurrency: Self.reachedInTheChecks)
            .outcome.message.contains("before the grader could confirm"))
        let connected = [Self.observation("concurrent-storm", log: "", probe: .connected)]
        #expect(RacePass.verdict(Self.definition, observations: connected, findings: [],
                                 plainReachedConcurrency: Self.reachedInTheChecks).outcome.status == .pass)
    }

    /// A redirection seen once decides, whatever later probes see; a periodic probe taken after
    /// the subject left never undoes the confirmation taken after the marker.
    @Test func aProbeRecordKeepsTheFirstRedirectionAndTheLastConfirmation() {
        var filtered = StandardErrorProbe.Record()
        filtered.add(.connected, confirming: false)
        filtered.add(.redirected(target: "pipe:[7]"), confirming: false)
        filtered.add(.connected, confirming: false)  // put back before the marker
        filtered.add(.connected, confirming: true)
        #expect(filtered.verdict == .redirected(target: "pipe:[7]"))

        var correct = StandardErrorProbe.Record()
        correct.add(.unknown, confirming: false)  // before the subject started
        correct.add(.connected, confirming: false)
        correct.add(.connected, confirming: true)  // after the marker
        correct.add(.unknown, confirming: false)  // after the subject left
        #expect(correct.verdict == .connected)

        var refused = StandardErrorProbe.Record()
        refused.add(.unavailable(reason: "errno 13"), confirming: false)
        refused.add(.connected, confirming: true)
        #expect(refused.verdict == .unavailable(reason: "errno 13"))
        // A redirection seen later is the subject's doing, whatever the grader could not see before.
        refused.add(.redirected(target: nil), confirming: false)
        refused.add(.unavailable(reason: "errno 1"), confirming: false)
        #expect(refused.verdict == .redirected(target: nil))

        #expect(StandardErrorProbe.Record().verdict == nil)
    }

    /// Defining `__tsan_default_options` (say, `report_bugs=0`) or calling the ignore hooks can
    /// silence the sanitizer from inside: naming its interface is enough to fail.
    @Test func namingTheSanitizersInterfaceFailsThePass() {
        let listing = """
            $s19CandidateSubmission8LRUCacheC3putyyx_q_tF
            __tsan_default_options
            swift_retain
            AnnotateBenignRaceSized
            __tsan_default_options
            pthread_mutex_lock
            """
        let symbols = SanitizerInterfaceScan.interfaceSymbols(in: listing)
        #expect(symbols == ["AnnotateBenignRaceSized", "__tsan_default_options"])
        let result = RacePass.verdict(Self.definition, observations: [Self.observation("concurrent-storm", log: "")],
                                      findings: [], interfaceSymbols: symbols)
        #expect(result.outcome.status == .fail)
        #expect(result.outcome.message.contains("`__tsan_default_options`"))
        #expect(SanitizerInterfaceScan.interfaceSymbols(in: "swift_retain\npthread_mutex_lock\n").isEmpty)
    }

    /// A subject that ends after reaching its concurrent phase, before acknowledging the end
    /// marker, could have silenced standard error and then left: races cannot be ruled out.
    @Test func endingAfterTheConcurrentPhaseWithoutTheMarkerFailsThePass() {
        let crashed = [Self.observation("concurrent-storm", log: "", reported: false, intact: false, ending: "crash")]
        let result = RacePass.verdict(Self.definition, observations: crashed, findings: [],
                                      plainReachedConcurrency: Self.reachedInTheChecks)
        #expect(result.outcome.status == .fail)
        #expect(result.outcome.message.contains("before the grader could confirm that its standard error"))
        // A check that never reached its threads in the checks failed there already; here its
        // phase may rest on forged answers. Its end is noted, and nothing is credited.
        let neverThere = RacePass.verdict(Self.definition, observations: crashed, findings: [])
        #expect(neverThere.outcome.status == .skipped)
        #expect(neverThere.summary.notes.contains("concurrent-storm crash"))
    }

    @Test func anOverflowingStandardErrorFailsThePass() {
        let observations = [Self.observation("concurrent-storm", log: "", truncated: true)]
        let result = RacePass.verdict(Self.definition, observations: observations, findings: [])
        #expect(result.outcome.status == .fail)
        #expect(result.outcome.message.contains("standard error passed 64 MiB while concurrent-storm"))
    }

    @Test func withoutConcurrencyThereIsNothingToAssess() {
        let observations = [Self.observation("concurrent-storm", log: "", reached: false),
                            Self.observation("concurrent-lost-updates", log: "", reached: false)]
        let result = RacePass.verdict(Self.definition, observations: observations, findings: [])
        #expect(result.outcome.status == .skipped)
        #expect(result.outcome.message.hasPrefix("not assessed"))
    }

    /// The pass watches the threads even when the checks never reached them (a rehearsal failed
    /// on purpose must not hide a race), but seeing no race there earns nothing.
    @Test func noRaceIsCreditedOnlyWhenTheChecksReachedTheirThreads() {
        let clean = [Self.observation("concurrent-storm", log: ""), Self.observation("concurrent-lost-updates", log: "")]
        let unseen = RacePass.verdict(Self.definition, observations: clean, findings: [])
        #expect(unseen.outcome.status == .skipped)
        #expect(unseen.outcome.message.contains("concurrent-storm, concurrent-lost-updates never reached their concurrent phase in the checks"))
        #expect(unseen.summary.ran, "what the sanitizer printed is still shown")
        let seen = RacePass.verdict(Self.definition, observations: clean, findings: [], plainReachedConcurrency: ["concurrent-storm"])
        #expect(seen.outcome.status == .pass)
        // A check that stops before its threads here as in the checks (it crashes as its cache is
        // made, having recognised the storm) keeps part of the concurrency out of sight: the rest,
        // watched clean, vouches for nothing.
        let stoppedHere = [Self.observation("concurrent-storm", log: "", reached: false, reported: false, ending: "crash"),
                           Self.observation("concurrent-lost-updates", log: "")]
        let partial = RacePass.verdict(Self.definition, observations: stoppedHere, findings: [],
                                       plainReachedConcurrency: ["concurrent-lost-updates"])
        #expect(partial.outcome.status == .skipped)
        #expect(partial.outcome.message.contains("concurrent-storm stopped before its threads, here as in the checks"))
        // One that reached them in the checks and hung before them only here is noted beside the
        // rest, never a fail (a slow machine), and one that stopped there without hanging is a fail.
        var slow = Self.observation("concurrent-storm", log: "", reached: false, ending: "timed out under ThreadSanitizer")
        slow.timedOut = true
        let noted = RacePass.verdict(Self.definition, observations: [slow, Self.observation("concurrent-lost-updates", log: "")],
                                     findings: [], plainStatuses: ["concurrent-storm": .pass, "concurrent-lost-updates": .pass],
                                     plainReachedConcurrency: Self.reachedInTheChecks)
        #expect(noted.outcome.status == .pass)
        #expect(noted.outcome.message.contains("concurrent-storm timed out under ThreadSanitizer"))
        #expect(RacePass.verdict(Self.definition, observations: [slow], findings: [], plainStatuses: ["concurrent-storm": .pass],
                                 plainReachedConcurrency: Self.reachedInTheChecks).outcome.status == .timeout)
        #expect(RacePass.verdict(Self.definition, observations: stoppedHere, findings: [],
                                 plainReachedConcurrency: Self.reachedInTheChecks).outcome.status == .fail)
        // A race is a race, wherever the checks stopped.
        let racy = [Self.observation("concurrent-storm")]
        #expect(RacePass.verdict(Self.definition, observations: racy, findings: RacePass.findings(in: racy, symbols: Self.symbols))
            .outcome.status == .fail)
    }

    /// A hang only when instrumented is suspect (not passed); a hang where the check crashed in
    /// the checks too is that crash, charged there, and nothing to judge here.
    @Test func aHangIsSuspectOnlyWhereTheCheckRanToItsVerdictInTheChecks() {
        var hung = Self.observation("concurrent-storm", log: "", ending: "timed out under ThreadSanitizer")
        hung.timedOut = true
        let suspect = RacePass.verdict(Self.definition, observations: [hung], findings: [],
                                       plainStatuses: ["concurrent-storm": .pass], plainReachedConcurrency: Self.reachedInTheChecks)
        #expect(suspect.outcome.status == .timeout)
        #expect(suspect.outcome.message.contains("concurrent-storm hung only under ThreadSanitizer"))
        // The other check's threads, watched to their end, had never been reached in the checks:
        // they vouch for nothing, and the hang still decides.
        let unreached = Self.observation("concurrent-lost-updates", log: "")
        let mixed = RacePass.verdict(Self.definition, observations: [hung, unreached], findings: [],
                                     plainStatuses: ["concurrent-storm": .pass, "concurrent-lost-updates": .fail],
                                     plainReachedConcurrency: ["concurrent-storm"])
        #expect(mixed.outcome.status == .timeout)
        for status in [CheckStatus.crash, .timeout, .sandboxViolation] {
            let result = RacePass.verdict(Self.definition, observations: [hung], findings: [],
                                          plainStatuses: ["concurrent-storm": status], plainReachedConcurrency: Self.reachedInTheChecks)
            #expect(result.outcome.status == .skipped, "in the checks: \(status)")
        }
    }

    @Test func reachingConcurrencyFollowsTheRedFlagRulesPhase() {
        let mapping = CheckMapping(challenge: "c", suites: [], checks: [], criteria: [:],
                                   redFlags: ["storm": .init(flag: .noConcurrencyHandling, on: [.fail], phase: "concurrent")])
        func outcome(_ id: String, phase: String?) -> CheckOutcome {
            CheckOutcome(id: id, title: id, visibility: .hidden, status: .fail, durationMs: 1, message: "", phase: phase)
        }
        #expect(RacePass.reachedConcurrency(outcome("storm", phase: "concurrent"), mapping: mapping))
        #expect(!RacePass.reachedConcurrency(outcome("storm", phase: nil), mapping: mapping))
        #expect(RacePass.reachedConcurrency(outcome("other", phase: nil), mapping: mapping), "no rule, no phase to reach")
    }

    @Test func onlyKnownModulesAreHandedToTheSymbolizer() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("race-pass-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let libraries = root.appendingPathComponent("usr/lib/swift/linux")
        try FileManager.default.createDirectory(at: libraries, withIntermediateDirectories: true)
        try Data().write(to: libraries.appendingPathComponent("libswiftCore.so"))
        let toolchain = Toolchain(swiftc: root.appendingPathComponent("usr/bin/swiftc").path, version: "test")
        let binary = root.appendingPathComponent("work/race/checks")
        let symbolizer = StackSymbolizer(toolchain: toolchain, runner: DirectProcessRunner(), binary: binary, workDirectory: root)
        #expect(symbolizer.knownPath(of: "checks") == binary.path)
        #expect(symbolizer.knownPath(of: "libswiftCore.so") == libraries.appendingPathComponent("libswiftCore.so").path)
        for hostile in ["libmissing.so", "../libswiftCore.so", "lib/../../x", "passwd", "lib\"x.so", ".libhidden.so", ""] {
            #expect(symbolizer.knownPath(of: hostile) == nil, "\(hostile)")
        }
    }

    /// A race pass over fake executions, with a toolchain that is never run (no symbolizing, no
    /// canary: neither is needed by these).
    static func racePass() -> RacePass {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("race-judge-\(UUID().uuidString)")
        let toolchain = Toolchain(swiftc: root.appendingPathComponent("usr/bin/swiftc").path, version: "test")
        let mapping = CheckMapping(challenge: "c", suites: [], checks: [], criteria: [:],
                                   redFlags: ["concurrent-storm": .init(flag: .noConcurrencyHandling, on: [.fail], phase: "concurrent")])
        return RacePass(definition: definition, mapping: mapping, toolchain: toolchain, runner: DirectProcessRunner(),
                        cache: CheckModuleCache(cacheDirectory: root, toolchain: toolchain, runner: DirectProcessRunner(),
                                                layout: ProjectLayout(root: root)),
                        parallelism: 1, compileLimitSeconds: 1, plainReachedConcurrency: ["concurrent-storm"])
    }

    static func execution(stderr: String, status: CheckStatus, phase: String?, saidHello: Bool, acknowledged: Bool) -> CheckRunner.Execution {
        let process = ProcessResult(termination: .signaled(6), standardOutput: [], standardError: Array(stderr.utf8), wallSeconds: 1)
        let report = DriverReport(status: .subjectEnded, message: "", phase: phase,
                                  subjects: [SubjectRecord(saidHello: saidHello, finishAcknowledged: acknowledged)])
        return CheckRunner.Execution(outcome: CheckOutcome(id: "concurrent-storm", title: "storm", visibility: .hidden, status: status,
                                                          durationMs: 1, message: "crashed", phase: phase),
                                     subjects: [process], report: report, endMarker: "abc")
    }

    /// Class 3 of issue 17: a subject that writes a line looking like ThreadSanitizer's own failure
    /// and aborts once its code runs made the grading a grader fault, retried into
    /// `internal_error`. Standard error is the candidate's: after the subject's runtime said hello,
    /// such a line decides nothing, and the pass fails as for any subject that ended in its
    /// concurrent phase without confirming its standard error.
    @Test func aThreadSanitizerFailureLineAfterTheSubjectStartedIsNoGraderFault() async throws {
        let pass = Self.racePass()
        let symbolizer = StackSymbolizer(toolchain: pass.toolchain, runner: DirectProcessRunner(),
                                         binary: URL(fileURLWithPath: "/nonexistent/subject"), workDirectory: pass.cache.cacheDirectory)
        let forged = Self.execution(stderr: "==1==FATAL: ThreadSanitizer: internal error in the allocator\n", status: .crash,
                                    phase: "concurrent", saidHello: true, acknowledged: false)
        let result = try await pass.judge([forged], symbolizer: symbolizer)
        #expect(result.outcome.status == .fail)
        #expect(result.outcome.message.contains("before the grader could confirm"), "\(result.outcome.message)")
        #expect(result.summary.notes.contains { $0.contains("ended under ThreadSanitizer after its runtime started: FATAL: ThreadSanitizer") })
        // Before its concurrent phase: it reached it in the checks, so it behaves differently when watched.
        let early = Self.execution(stderr: "FATAL: ThreadSanitizer: CHECK failed\n", status: .crash, phase: nil,
                                   saidHello: true, acknowledged: false)
        let second = try await pass.judge([early], symbolizer: symbolizer)
        #expect(second.outcome.status == .fail && second.outcome.message.contains("behaves differently when watched"))
    }

    /// When the reports' frames cannot be symbolized (they are text the subject could have written,
    /// in a binary that is its own), no report can be cleared as the runtime's: every race counts.
    @Test func reportsThatCannotBeSymbolizedAllCount() {
        let harnessOnly = """
            WARNING: ThreadSanitizer: data race (pid=9)
              Write of size 1 at 0x10 by thread T2:
                #0 (checks+0x2000)
            SUMMARY: ThreadSanitizer: data race
            """
        let observations = [Self.observation("concurrent-storm", log: harnessOnly)]
        #expect(!RacePass.findings(in: observations, symbols: Self.symbols)[0].finding.counted)
        let unattributed = RacePass.findings(in: observations, symbols: [:], attributeAll: true)
        #expect(unattributed[0].finding.counted)
        #expect(RacePass.verdict(Self.definition, observations: observations, findings: unattributed).outcome.status == .fail)
    }

    /// An instrumented build that fails where the plain build compiled is the submission's (the
    /// check module's instrumented build proved the toolchain): not passed, no race red flag.
    @Test func aFailedInstrumentedBuildIsNotPassedAndNotAGraderFault() {
        let slow = RacePass.unbuilt(Self.definition, message: "the compile did not finish within 60 s and was stopped", timedOut: true)
        #expect(slow.outcome.status == .timeout && slow.outcome.message.contains("did not finish within the compile limit"))
        let broken = RacePass.unbuilt(Self.definition, message: "error: compiler crashed", timedOut: false)
        #expect(broken.outcome.status == .crash && broken.outcome.evidence == ["error: compiler crashed"])
        #expect(!broken.summary.ran)
    }
}
