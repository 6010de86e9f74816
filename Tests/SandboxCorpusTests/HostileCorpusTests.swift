#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GraderModel
import GraderPipeline
import GraderProcess
import GraderStore
import Testing

/// The hostile corpus (issue 3, SPEC §6): each submission is the reference cache whose `init`
/// first runs one attack (`Corpus/Cases/<case>.swift`), graded end to end through the sandbox.
/// After every case the host must be untouched, and grading must go on.
///
/// Needs root (namespaces, a private root, a uid switch, the kernel log): without it the suite
/// is skipped, and says so.
@Suite(.serialized, .enabled(if: getuid() == 0, "the hostile corpus needs root: namespaces, a private root and a uid switch"))
struct HostileCorpusTests {
    /// What one case must come to.
    struct Expectation: Sendable, CustomStringConvertible {
        var name: String
        var status: GradingStatus = .graded
        /// Every check the harness runs must end with this status (nil: no constraint on all checks).
        /// The race pass's outcome is not one of them: see `racePass`.
        var everyCheck: CheckStatus? = nil
        /// These checks must end with the given status.
        var checks: [String: CheckStatus] = [:]
        /// Full auto points (the attack was contained and the cache behaved).
        var fullMarks = false
        var zeroScore = false
        var securityRedFlag = false
        /// The race pass's outcome, when the case says (`skipped`: no check reached its concurrent phase).
        var racePass: CheckStatus? = nil
        /// Text the check messages (or the compiler message) must contain.
        var messageContains: String? = nil
        /// No check may pass (a forger on a cache that solves nothing).
        var noCheckPasses = false
        /// Policy findings the source must get (evidence for the reviewer).
        var policyRules: [String] = []
        var description: String { name }
    }

    static let cases: [Expectation] = [
        Expectation(name: "fork-bomb", everyCheck: .sandboxViolation, zeroScore: true, securityRedFlag: true, racePass: .skipped, messageContains: "clone"),
        Expectation(name: "thread-bomb", everyCheck: .crash, zeroScore: true, racePass: .skipped, messageContains: "thread bomb stopped after"),
        Expectation(name: "memory-bomb", everyCheck: .crash, zeroScore: true, racePass: .skipped, messageContains: "memory limit"),
        Expectation(name: "disk-fill", everyCheck: .crash, zeroScore: true, racePass: .skipped, messageContains: "disk fill stopped after 1"),
        Expectation(name: "busy-loop", checks: ["capacity-one": .timeout], racePass: .pass),
        Expectation(name: "sleep-forever", checks: ["capacity-one": .timeout], racePass: .pass),
        Expectation(name: "output-flood", fullMarks: true),
        Expectation(name: "network-connect", everyCheck: .sandboxViolation, zeroScore: true, securityRedFlag: true, racePass: .skipped, messageContains: "socket"),
        Expectation(name: "process-spawn", everyCheck: .sandboxViolation, zeroScore: true, securityRedFlag: true, racePass: .skipped, messageContains: "forbidden system call `"),
        Expectation(name: "system-silgen", everyCheck: .sandboxViolation, zeroScore: true, securityRedFlag: true, racePass: .skipped, messageContains: "clone"),
        Expectation(name: "dlopen-system", everyCheck: .sandboxViolation, zeroScore: true, securityRedFlag: true, racePass: .skipped, messageContains: "clone"),
        Expectation(name: "ptrace-parent", everyCheck: .sandboxViolation, zeroScore: true, securityRedFlag: true, racePass: .skipped, messageContains: "ptrace"),
        Expectation(name: "unshare-escape", everyCheck: .sandboxViolation, zeroScore: true, securityRedFlag: true, racePass: .skipped, messageContains: "unshare"),
        Expectation(name: "kill-parent-and-group", everyCheck: .crash, zeroScore: true, securityRedFlag: true, racePass: .skipped, messageContains: "SIGKILL"),
        Expectation(name: "read-secrets", fullMarks: true),
        Expectation(name: "write-outside", fullMarks: true),
        Expectation(name: "forged-results", everyCheck: .crash, zeroScore: true, racePass: .skipped),
        Expectation(name: "early-exit", everyCheck: .crash, zeroScore: true, racePass: .skipped,
                    messageContains: "exited with status 0 before the check finished"),
        // Forgers (issue 8): what won against the in-process harness, and what a forger tries next.
        Expectation(name: "forge-token-from-memory", everyCheck: .fail, zeroScore: true, racePass: .skipped,
                    policyRules: ["raw-memory", "proc-path", "foreign-descriptor"]),
        Expectation(name: "leak-hidden-strings", everyCheck: .crash, zeroScore: true, racePass: .skipped, messageContains: "LEAKED",
                    policyRules: ["raw-memory", "proc-path"]),
        Expectation(name: "fabricated-answers", everyCheck: .fail, zeroScore: true, racePass: .skipped,
                    messageContains: "not a well-formed answer", policyRules: ["foreign-descriptor"]),
        Expectation(name: "overwrite-runtime-buffers", zeroScore: true, racePass: .skipped, noCheckPasses: true,
                    policyRules: ["raw-memory", "proc-path"]),
        Expectation(name: "answer-some-operations", zeroScore: true, racePass: .skipped, noCheckPasses: true,
                    policyRules: ["foreign-descriptor"]),
        // Racy caches that silence ThreadSanitizer from inside: each silenced every report (the
        // report list is empty), so only these defences stand between them and `race-free`.
        Expectation(name: "silence-sanitizer-hook", securityRedFlag: true, racePass: .fail,
                    messageContains: "names ThreadSanitizer's own interface (`__tsan_default_options`)",
                    policyRules: ["symbol-linkage"]),
        Expectation(name: "filter-standard-error", racePass: .fail,
                    messageContains: "standard error was closed or redirected", policyRules: ["foreign-descriptor"]),
        // A cache that serves only the runtime's pool threads: a storm's gets all miss, which an
        // evicting cache may always answer, so only the storm's hit share fails it.
        Expectation(name: "serve-only-the-pool-threads",
                    checks: ["concurrent-storm": .fail, "concurrent-lost-updates": .fail],
                    messageContains: "found their key"),
        Expectation(name: "type-checker-bomb", status: .compileError, zeroScore: true, messageContains: "reasonable time"),
        Expectation(name: "type-checker-bomb-many", status: .compileError, zeroScore: true, messageContains: "did not finish within"),
    ]

    @Test(arguments: cases)
    func everyCaseGetsItsExpectedOutcome(_ expected: Expectation) async throws {
        let pipeline = try await Corpus.pipeline()
        for run in 1...Corpus.runs {
            let listener = try LoopbackListener()
            let token = UUID().uuidString
            let hostMarker = "/tmp/grader-corpus-\(token)"
            let files = try Corpus.files(for: expected.name, substitutions: [
                "__PORT__": String(listener.port), "__HOST_MARKER__": hostMarker, "__TOKEN__": token,
                "__REPO__": Corpus.root.path, "__DATA_DIR__": Corpus.dataDirectory.path,
                "__DATABASE__": Corpus.dataDirectory.appendingPathComponent("grader.sqlite").path,
                "__GRADERS_FILE__": Corpus.root.appendingPathComponent("Graders/lru-cache/Checks/ConcurrencyChecks.swift").path,
            ])
            let submission = try pipeline.submit(challenge: "lru-cache", candidate: "corpus-\(expected.name)", files: files)
            let report = try await pipeline.grade(submission)
            let context = "\(expected.name), run \(run) of \(Corpus.runs)"

            #expect(report.status == expected.status, "\(context): status \(report.status)")
            if let status = expected.everyCheck {
                for check in report.checks where check.id != Corpus.racePassID {
                    #expect(check.status == status, "\(context): \(check.id) is \(check.status.rawValue): \(check.message)")
                }
            }
            if let status = expected.racePass {
                let race = report.checks.first { $0.id == Corpus.racePassID }
                #expect(race?.status == status, "\(context): the race pass is \(race?.status.rawValue ?? "missing"): \(race?.message ?? "")")
            }
            for (id, status) in expected.checks {
                let check = report.checks.first { $0.id == id }
                #expect(check?.status == status, "\(context): \(id) is \(check?.status.rawValue ?? "missing")")
            }
            if expected.fullMarks {
                let failed = report.checks.filter { $0.status != .pass }.map { "\($0.id) \($0.status.rawValue) \($0.message)" }
                #expect(report.score == report.maxScore, "\(context): \(report.score)/\(report.maxScore); failed: \(failed)")
            }
            if expected.zeroScore { #expect(report.score == 0, "\(context): scored \(report.score)") }
            if expected.noCheckPasses {
                let passed = report.checks.filter { $0.status == .pass }.map(\.id)
                #expect(passed.isEmpty, "\(context): passed \(passed)")
            }
            let rules = Set(report.diagnostics.policyFindings.map(\.rule))
            #expect(Set(expected.policyRules).isSubset(of: rules), "\(context): policy findings \(rules.sorted())")
            let flagged = report.redFlags.contains { $0.id == .securityViolation }
            #expect(flagged == expected.securityRedFlag, "\(context): red flags \(report.redFlags.map(\.message))")
            if flagged { #expect(report.recommendation == .reject, "\(context)") }
            if let text = expected.messageContains {
                let said = report.checks.map(\.message).joined(separator: "\n") + (report.error ?? "")
                #expect(said.contains(text), "\(context): no message mentions \"\(text)\": \(said.prefix(600))")
            }

            // Nothing reached the report, and nothing reached the host.
            let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
            #expect(!json.contains("SQLite format 3") && !json.contains("verifyQuiescent"), "\(context): a secret reached the report")
            // What the subject wrote (its standard error) and what public checks said hold no hidden text.
            let fromSubject = report.checks.map(\.output).joined(separator: "\n")
                + report.checks.filter { $0.visibility == .public }.map(\.message).joined(separator: "\n")
            // (Text the submission itself holds, such as check names a forger guessed, is its own.)
            let ownText = files.map { String(decoding: $0.content, as: UTF8.self) }.joined()
            let leaked = HiddenText.leaked(in: fromSubject).filter { !ownText.contains($0) }
            #expect(leaked.isEmpty, "\(context): hidden text reached the subject's output: \(leaked.prefix(5))")
            #expect(listener.pendingConnections() == 0, "\(context): the loopback listener was reached")
            #expect(!FileManager.default.fileExists(atPath: hostMarker), "\(context): \(hostMarker) was written on the host")
            for leftover in [Corpus.root.appendingPathComponent("pwned-\(token)").path,
                             Corpus.dataDirectory.appendingPathComponent("pwned-\(token)").path, "/pwned-\(token)"] {
                #expect(!FileManager.default.fileExists(atPath: leftover), "\(context): \(leftover) was written on the host")
            }
            #expect(HostState.strayProcesses().isEmpty, "\(context): processes left behind: \(HostState.strayProcesses())")
            #expect(HostState.leftoverSandboxArtifacts().isEmpty, "\(context): left behind: \(HostState.leftoverSandboxArtifacts())")
        }
    }

    @Test(arguments: [
        ("oversize", Data(repeating: UInt8(ascii: "a"), count: 300 * 1024)),
        ("non-UTF-8", Data([0x66, 0x75, 0x6E, 0x63, 0xFF, 0xFE, 0x0A])),
    ])
    func hostileSourcesAreRejectedAtIntakeAndNothingIsStored(_ name: String, _ content: Data) async throws {
        let pipeline = try await Corpus.pipeline()
        let before = try pipeline.database.submissionCount()
        #expect(throws: IntakeError.self, Comment(rawValue: name)) {
            try pipeline.submit(challenge: "lru-cache", candidate: "corpus-\(name)", files: [SubmittedFile(name: "LRUCache.swift", content: content)])
        }
        #expect(try pipeline.database.submissionCount() == before, "\(name): a rejected submission was stored")
    }

    /// A launcher killed outright (SIGKILL at the grader's grace limit) cannot remove its root's
    /// mount point or its cgroup; the next launch removes those of launchers that are gone.
    @Test func aLaunchSweepsWhatDeadLaunchersLeft() async throws {
        let manager = FileManager.default
        let dead = try Corpus.deadProcessID()
        let stale = "\(HostState.rootsDirectory)/root.\(dead).corpus"
        let live = "\(HostState.rootsDirectory)/root.\(getpid()).corpus"
        if !manager.fileExists(atPath: HostState.rootsDirectory) {
            // As the launcher makes it: only a root-owned 0700 folder is accepted.
            try manager.createDirectory(atPath: HostState.rootsDirectory, withIntermediateDirectories: false)
            chmod(HostState.rootsDirectory, 0o700)
        }
        try manager.createDirectory(atPath: stale, withIntermediateDirectories: false)
        try manager.createDirectory(atPath: live, withIntermediateDirectories: false)
        defer { try? manager.removeItem(atPath: live) }
        let staleCgroup = HostState.memoryCgroupDirectory().map { "\($0)/grader-sandbox-\(dead)" }
        if let staleCgroup { try manager.createDirectory(atPath: staleCgroup, withIntermediateDirectories: false) }

        let work = manager.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString)")
        try manager.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? manager.removeItem(at: work) }
        let result = try await SandboxedProcessRunner.located().run(ProcessRequest(
            executable: "/bin/true", arguments: [], environment: [:], workingDirectory: work.path, profile: .run,
            limits: ProcessLimits(wallSeconds: 10)))
        #expect(result.succeeded)
        #expect(!manager.fileExists(atPath: stale), "a dead launcher's root mount point was left")
        #expect(manager.fileExists(atPath: live), "a live launcher's root mount point was removed")
        if let staleCgroup {
            #expect(!manager.fileExists(atPath: staleCgroup), "a dead launcher's cgroup was left")
        } else {
            print("SKIPPED (loudly): no writable memory cgroup on this machine, so the cgroup sweep is not checked")
        }
    }

    /// A process killed at the wall limit is never reaped by the keeper; its CPU time is read
    /// from /proc just before the kill, so a busy timeout still says how busy it was.
    @Test func aWallClockKillStillReportsTheCPUTimeUsed() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("busy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try await SandboxedProcessRunner.located().run(ProcessRequest(
            executable: "/bin/sh", arguments: ["-c", "while :; do :; done"], environment: [:],
            workingDirectory: work.path, profile: .run, limits: ProcessLimits(wallSeconds: 1.5)))
        #expect(result.limitHit == .wallTime)
        #expect((result.cpuSeconds ?? 0) >= 0.5, "a busy loop killed after 1.5 s reported \(result.cpuSeconds ?? -1) s of CPU")
    }

    @Test func afterTheCorpusTheDatabaseIsIntactAndGradingGoesOn() async throws {
        let pipeline = try await Corpus.pipeline()
        let reference = try Data(contentsOf: Corpus.root.appendingPathComponent("Graders/lru-cache/Reference/LRUCache.swift"))
        let submission = try pipeline.submit(challenge: "lru-cache", candidate: "after-corpus",
                                             files: [SubmittedFile(name: "LRUCache.swift", content: reference)])
        let report = try await pipeline.grade(submission)
        #expect(report.score == report.maxScore && report.redFlags.isEmpty, "\(report.checks.filter { $0.status != .pass })")
        #expect(try pipeline.database.integrityCheck() == ["ok"])
        #expect(HostState.strayProcesses().isEmpty)
        #expect(HostState.leftoverSandboxArtifacts().isEmpty)
    }
}
