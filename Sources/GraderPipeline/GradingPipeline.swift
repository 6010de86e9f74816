import Foundation
import GraderModel
import GraderProcess
import GraderStore
import Synchronization

/// The grading pipeline (SPEC §3): `intake → compile → checks → race pass → score → persist → report`.
///
/// `submit` validates and stores a submission durably (nothing is stored when it is rejected);
/// `grade` compiles and checks it and stores the grading as a new row. A failure of the grader
/// itself (the modules do not build, a process cannot start, a driver reports `error` or no verdict)
/// is retried up to ``maximumAttempts`` times and then stored as `internal_error`, which scores
/// nothing and recommends nothing: it never counts against the candidate.
public struct GradingPipeline: Sendable {
    public static let maximumAttempts = 3

    public let layout: ProjectLayout
    public let catalog: ChallengeCatalog
    public let database: GraderDatabase
    public let dataDirectory: URL
    public let toolchain: Toolchain
    /// Runs everything that touches the candidate's code: compiles and checks (the sandbox).
    public let runner: any ProcessRunner
    /// Runs the grader's own builds of the hidden check modules, which see no candidate code.
    public let trustedRunner: any ProcessRunner
    public let parallelism: Int
    public let compileLimitSeconds: Double

    public init(layout: ProjectLayout, database: GraderDatabase, dataDirectory: URL, toolchain: Toolchain,
                runner: any ProcessRunner, trustedRunner: any ProcessRunner = DirectProcessRunner(),
                parallelism: Int = ProcessInfo.processInfo.activeProcessorCount,
                compileLimitSeconds: Double = SubmissionCompiler.defaultCompileLimitSeconds) {
        self.layout = layout
        self.catalog = ChallengeCatalog(layout: layout)
        self.database = database
        self.dataDirectory = dataDirectory
        self.toolchain = toolchain
        self.runner = runner
        self.trustedRunner = trustedRunner
        self.compileLimitSeconds = compileLimitSeconds
        self.parallelism = max(1, parallelism)
    }

    var cache: CheckModuleCache {
        CheckModuleCache(cacheDirectory: dataDirectory.appendingPathComponent("cache"), toolchain: toolchain,
                         runner: trustedRunner, layout: layout)
    }

    var workRoot: URL { dataDirectory.appendingPathComponent("work") }

    // MARK: Intake

    /// Validates and stores a submission. Throws ``IntakeError`` or ``CatalogError`` and stores
    /// nothing when the submission is not acceptable.
    public func submit(challenge id: String, candidate: String, files: [SubmittedFile], at date: Date = Date()) throws -> StoredSubmission {
        let submission = try prepare(challenge: id, candidate: candidate, files: files, at: date)
        try database.insert(submission)
        return submission
    }

    /// Validates a submission and builds what would be stored, storing nothing (the daemon stores
    /// it together with its job). Throws ``IntakeError`` or ``CatalogError``.
    public func prepare(challenge id: String, candidate: String, files: [SubmittedFile], ownerTokenID: String? = nil,
                        at date: Date = Date()) throws -> StoredSubmission {
        try Intake.prepare(challenge: id, catalog: catalog, candidate: candidate, files: files, ownerTokenID: ownerTokenID, at: date)
    }

    // MARK: Grading

    /// Grades a stored submission and stores the grading. Throws only when the result cannot be
    /// stored, or `CancellationError` (storing nothing) when the task is cancelled.
    public func grade(_ submission: StoredSubmission, queueMilliseconds: Int = 0,
                      progress: @escaping @Sendable (GradingEvent) -> Void = { _ in }) async throws -> GradingReport {
        try await grade(submission, queueMilliseconds: queueMilliseconds, progress: progress, store: database.insert)
    }

    /// Grades a stored submission and hands the finished report to `store` (the daemon stores it
    /// with its job's completion). Throws only what `store` throws.
    public func grade(_ submission: StoredSubmission, queueMilliseconds: Int = 0,
                      progress: @escaping @Sendable (GradingEvent) -> Void = { _ in },
                      store: (GradingReport) throws -> Void) async throws -> GradingReport {
        let started = ContinuousClock.now
        let startedAt = Date()
        let gradingID = Identifier.make(prefix: "grd")
        var failure = ""
        var graded: GradingReport?
        for attempt in 1...Self.maximumAttempts {
            try Task.checkCancellation()
            do {
                var report = try await attemptGrading(submission, gradingID: gradingID, attempt: attempt, progress: progress)
                report.grading = .init(id: gradingID, startedAt: startedAt, finishedAt: Date(), attempts: attempt)
                report.timings.queueMs = queueMilliseconds
                report.timings.totalMs = milliseconds(since: started)
                graded = report
                break
            } catch let error as GraderFault {
                failure = error.description
            } catch let error as CatalogError {
                failure = error.description
            } catch is CancellationError {
                // Stopped from outside (the daemon shutting down): no grading, nothing stored; the
                // caller hands the job back.
                throw CancellationError()
            } catch {
                failure = "\(error)"
            }
            if attempt < Self.maximumAttempts { progress(.retrying(attempt: attempt + 1, reason: failure)) }
        }
        // Storing is outside the attempts: a failure to store is not the grader's to retry.
        if let graded {
            try store(graded)
            return graded
        }
        // A failure that came of being cancelled says nothing about the grader either.
        try Task.checkCancellation()
        var report = internalErrorReport(submission, gradingID: gradingID, message: failure)
        report.grading = .init(id: gradingID, startedAt: startedAt, finishedAt: Date(), attempts: Self.maximumAttempts)
        report.timings.queueMs = queueMilliseconds
        report.timings.totalMs = milliseconds(since: started)
        try store(report)
        return report
    }

    private func attemptGrading(_ submission: StoredSubmission, gradingID: String, attempt: Int,
                                progress: @escaping @Sendable (GradingEvent) -> Void) async throws -> GradingReport {
        let challenge = try catalog.load(submission.challenge)
        guard let mapping = challenge.mapping else { throw GraderFault.missingHiddenChecks(challenge.id) }
        let version = try GraderVersion.current(for: challenge, layout: layout)
        let work = workRoot.appendingPathComponent("\(gradingID)-\(attempt)")
        defer { Self.removeWorkDirectory(work) }
        let checked = try await compileAndCheck(
            submission.files.map { SubmittedFile(name: $0.name, content: $0.content) }, challenge: challenge,
            set: .full, graderVersion: version, workDirectory: work, progress: progress)

        let scored = Scoring.score(status: checked.status, rubric: challenge.rubric, mapping: mapping, outcomes: checked.outcomes,
                                   extraRedFlags: checked.securityRedFlags)
        return GradingReport(
            submission: Self.submissionInfo(submission), challenge: challenge.id,
            grading: .init(id: gradingID, startedAt: Date(), finishedAt: Date(), attempts: attempt),
            graderVersion: version, status: checked.status, score: scored.score, maxScore: scored.maxScore,
            manualPending: scored.manualPending, recommendation: scored.recommendation,
            recommendationReasons: scored.recommendationReasons,
            criteria: scored.criteria.map(GradingReport.CriterionEntry.init),
            checks: checked.outcomes.map { outcome in
                GradingReport.CheckEntry(outcome, criteria: (mapping.criteria[outcome.id] ?? [:])
                    .filter { $0.value > 0 }.keys.sorted())
            },
            redFlags: scored.redFlags, diagnostics: checked.diagnostics,
            timings: .init(compileMs: checked.compileMilliseconds, checksMs: checked.checksMilliseconds,
                           raceMs: checked.raceMilliseconds,
                           checkModuleBuildMs: checked.module.buildMilliseconds + checked.raceModuleBuildMilliseconds,
                           checkModuleCached: checked.module.cached && checked.raceModuleBuildMilliseconds == 0),
            error: checked.compilerMessage)
    }

    /// What compiling files and running a challenge's checks against them produced.
    struct CheckedFiles {
        /// `graded` when the checks ran; otherwise `compileError` or `contractMismatch`.
        var status: GradingStatus
        var outcomes: [CheckOutcome] = []
        var diagnostics = GradingReport.Diagnostics()
        var compilerMessage: String?
        var compileMilliseconds = 0
        var checksMilliseconds = 0
        /// The race pass, without building its check module (which is counted with the other's).
        var raceMilliseconds = 0
        var raceModuleBuildMilliseconds = 0
        var module: CheckModule
        /// `security-violation` raised by the source policy scan or by the sandbox.
        var securityRedFlags: [RaisedRedFlag] = []
    }

    /// Compiles `files` against the check module of `set` and runs its checks (public, or all).
    /// Throws ``GraderFault`` when the grader, not the submission, fails.
    /// With `replaying`, only that check runs, under that seed, and no race pass.
    func compileAndCheck(_ files: [SubmittedFile], challenge: Challenge, set: CheckSet, graderVersion: String,
                         workDirectory: URL, replaying replay: CheckReplay? = nil,
                         progress: @escaping @Sendable (GradingEvent) -> Void) async throws -> CheckedFiles {
        var checked: CheckedFiles
        do {
            checked = try await compileAndRun(files, challenge: challenge, set: set, graderVersion: graderVersion,
                                              workDirectory: workDirectory, replaying: replay, progress: progress)
        } catch GraderFault.staleModuleCache {
            // A system header changed since the clang module cache was built: rebuild what it lacks,
            // then compile once more from scratch (a cache still stale after that is a grader fault).
            try await cache.rewarmModuleCache(for: challenge, set: set, graderVersion: graderVersion)
            checked = try await compileAndRun(files, challenge: challenge, set: set, graderVersion: graderVersion,
                                              workDirectory: workDirectory.appendingPathComponent("after-rewarm"),
                                              replaying: replay, progress: progress)
        }
        checked.diagnostics.policyFindings = SourcePolicy.scan(files)
        // One flag per id (a report lists each red flag once), whatever raised it.
        let raised = [SandboxViolations.redFlag(for: checked.outcomes),
                      SourcePolicy.redFlag(for: checked.diagnostics.policyFindings)].compactMap { $0 }
        if let first = raised.first {
            checked.securityRedFlags = [RaisedRedFlag(id: first.id, message: raised.map(\.message).joined(separator: "; and "),
                                                      checks: raised.flatMap(\.checks))]
        }
        return checked
    }

    private func compileAndRun(_ files: [SubmittedFile], challenge: Challenge, set: CheckSet, graderVersion: String,
                               workDirectory: URL, replaying replay: CheckReplay?,
                               progress: @escaping @Sendable (GradingEvent) -> Void) async throws -> CheckedFiles {
        progress(.preparingCheckModule(challenge: challenge.id))
        let module = try await cache.module(for: challenge, set: set, graderVersion: graderVersion)
        progress(.compiling)
        let compiler = SubmissionCompiler(toolchain: toolchain, runner: runner, clangModuleCache: cache.clangModuleCache,
                                          compileLimitSeconds: compileLimitSeconds)
        switch try await compiler.compile(files: files, module: module, entryTypeName: challenge.manifest.entryType,
                                          workDirectory: workDirectory) {
        case .compileError(let message, let milliseconds):
            return CheckedFiles(status: .compileError, compilerMessage: message, compileMilliseconds: milliseconds, module: module)
        case .contractMismatch(let message, let warnings, let concurrencyWarnings, let milliseconds):
            return CheckedFiles(status: .contractMismatch,
                                diagnostics: .init(compilerWarnings: warnings, concurrencyWarnings: concurrencyWarnings),
                                compilerMessage: message, compileMilliseconds: milliseconds, module: module)
        case .compiled(let binary, let warnings, let concurrencyWarnings, let candidateMs, let entryMs):
            let all = set == .full ? challenge.allChecks : challenge.publicChecks
            let checks = replay.map { replay in all.filter { $0.id == replay.checkID } } ?? all
            var settings = CheckRunner.Settings()
            settings.seed = replay?.seed
            progress(.runningChecks(total: checks.count))
            let started = ContinuousClock.now
            let done = Atomic<Int>(0)
            let ran = await CheckRunner(runner: runner, parallelism: parallelism,
                                        runtimePaths: [toolchain.runtimeLibraryDirectory], settings: settings).run(
                checks, subject: binary, driver: module.driverExecutable, workDirectory: workDirectory
            ) { outcome in
                progress(.checkFinished(outcome, done: done.add(1, ordering: .relaxed).newValue, total: checks.count))
            }
            // Checks stopped by a cancellation ended as timeouts or crashes that say nothing.
            try Task.checkCancellation()
            let outcomes = SkipConfirmation.apply(to: ran, checks: all)
            if let broken = outcomes.first(where: { $0.status == .error }) {
                throw GraderFault.checkHarness(check: broken.id, message: broken.message)
            }
            var checked = CheckedFiles(status: .graded, outcomes: outcomes,
                                       diagnostics: .init(compilerWarnings: warnings, concurrencyWarnings: concurrencyWarnings),
                                       compileMilliseconds: candidateMs + entryMs, checksMilliseconds: milliseconds(since: started),
                                       module: module)
            if set == .full, replay == nil, let mapping = challenge.mapping, let definition = mapping.racePass {
                try await runRacePass(definition, mapping: mapping, files: files, challenge: challenge, checks: checks,
                                      graderVersion: graderVersion, driver: module.driverExecutable,
                                      workDirectory: workDirectory, into: &checked, progress: progress)
            }
            return checked
        }
    }

    /// The race pass over the concurrent checks, its outcome added to `checked`. It runs whether
    /// or not the checks reached their concurrent phase (their single-threaded rehearsals, which a
    /// subject could fail on purpose to keep that phase out of sight, are skipped in the pass), but
    /// for one case: every concurrent check hung (a deadlock: instrumented, it would hang again, and
    /// the checks' timeouts already charge it). Which checks reached their threads here decides
    /// whether a clean pass is credited (``RacePass/verdict(_:observations:findings:interfaceSymbols:plainStatuses:plainReachedConcurrency:)``).
    private func runRacePass(_ definition: RacePassDefinition, mapping: CheckMapping, files: [SubmittedFile],
                             challenge: Challenge, checks: [CheckDefinition], graderVersion: String, driver: URL,
                             workDirectory: URL, into checked: inout CheckedFiles,
                             progress: @escaping @Sendable (GradingEvent) -> Void) async throws {
        let concurrent = checks.filter(\.concurrent)
        guard !concurrent.isEmpty else { return }
        let concurrentOutcomes = checked.outcomes.filter { outcome in concurrent.contains { $0.id == outcome.id } }
        let reached = concurrentOutcomes.filter { RacePass.reachedConcurrency($0, mapping: mapping) }
        let race: RacePass.Result
        if !concurrentOutcomes.isEmpty && concurrentOutcomes.allSatisfy({ $0.status == .timeout }) {
            race = RacePass.notAssessed(definition, checks: concurrent.map(\.id), under: "in the checks",
                                        reason: "every concurrent check hung in the checks (a deadlock?), so its concurrency could not be watched")
        } else {
            progress(.racePass(checks: concurrent.count))
            race = try await RacePass(definition: definition, mapping: mapping, toolchain: toolchain, runner: runner,
                                      cache: cache, parallelism: parallelism, compileLimitSeconds: compileLimitSeconds,
                                      plainStatuses: Dictionary(checked.outcomes.map { ($0.id, $0.status) }, uniquingKeysWith: { a, _ in a }),
                                      plainReachedConcurrency: Set(reached.map(\.id)))
                .run(files, challenge: challenge, checks: concurrent, graderVersion: graderVersion, driver: driver,
                     plainObject: SubmissionCompiler.objectFile(in: workDirectory),
                     workDirectory: workDirectory.appendingPathComponent("race"))
            progress(.racePassFinished(race.outcome))
        }
        // A storm that crashed usually crashes again instrumented, where ThreadSanitizer shows the
        // crashing thread's stack: the crash's evidence points at it (the plain build prints none).
        for index in checked.outcomes.indices where checked.outcomes[index].status == .crash {
            let id = checked.outcomes[index].id
            if let crash = race.summary.findings.first(where: { $0.kind.hasSuffix("on unknown address") && $0.checks.contains(id) }) {
                checked.outcomes[index].evidence.append("where it crashed, as ThreadSanitizer showed when the race pass ran this check "
                    + "again: \(crash.summary) (the whole stack is among the sanitizer's reports)")
            }
        }
        checked.outcomes.append(race.outcome)
        checked.diagnostics.sanitizer = race.summary
        checked.raceMilliseconds = race.milliseconds
        checked.raceModuleBuildMilliseconds = race.moduleBuildMilliseconds
    }

    /// The report of a grading the grader could not complete: scores nothing, recommends nothing.
    public func internalErrorReport(_ submission: StoredSubmission, gradingID: String, message: String) -> GradingReport {
        let challenge = try? catalog.load(submission.challenge)
        let version = challenge.flatMap { try? GraderVersion.current(for: $0, layout: layout) } ?? GraderVersion.release
        var criteria: [GradingReport.CriterionEntry] = []
        var maxScore = 0.0
        var manualPending = 0.0
        if let challenge, let mapping = challenge.mapping {
            let scored = Scoring.score(status: .internalError, rubric: challenge.rubric, mapping: mapping, outcomes: [])
            criteria = scored.criteria.map(GradingReport.CriterionEntry.init)
            maxScore = scored.maxScore
            manualPending = scored.manualPending
        }
        return GradingReport(
            submission: Self.submissionInfo(submission), challenge: submission.challenge,
            grading: .init(id: gradingID, startedAt: Date(), finishedAt: Date(), attempts: Self.maximumAttempts),
            graderVersion: version, status: .internalError, score: 0, maxScore: maxScore, manualPending: manualPending,
            recommendation: .undetermined,
            recommendationReasons: ["the grader failed; this grading says nothing about the candidate"],
            criteria: criteria, checks: [], redFlags: [], diagnostics: .init(), timings: .init(),
            error: message)
    }

    static func submissionInfo(_ submission: StoredSubmission) -> GradingReport.SubmissionInfo {
        .init(id: submission.id, candidate: submission.candidate, submittedAt: submission.createdAt,
              sha256: submission.sha256,
              files: submission.files.map { .init(name: $0.name, bytes: $0.content.count, sha256: $0.sha256) })
    }

    /// Removes a grading's work directory, unless `GRADER_KEEP_WORK=1` asks to keep it for
    /// inspection (the compiled check binary; `scripts/bench-sandbox.sh` uses it).
    static func removeWorkDirectory(_ work: URL) {
        guard ProcessInfo.processInfo.environment["GRADER_KEEP_WORK"] != "1" else { return }
        try? FileManager.default.removeItem(at: work)
    }

    // MARK: Replay

    /// Runs one check of a challenge against files, under `seed` if given, and stores nothing
    /// (`grader replay`): what a reviewer does with the seed a failing check's evidence names.
    /// The race pass is not a check that can be replayed this way.
    public func replay(challenge id: String, check checkID: String, seed: UInt64?, files: [SubmittedFile],
                       progress: @escaping @Sendable (GradingEvent) -> Void = { _ in }) async throws -> ReplayRun {
        let challenge = try catalog.load(id)
        guard challenge.allChecks.contains(where: { $0.id == checkID }) else {
            let known = challenge.allChecks.map(\.id)
            throw ReplayError.unknownCheck(checkID, challenge: id, known: known,
                                           racePass: challenge.mapping?.racePass?.id == checkID)
        }
        let accepted = try Intake.validate(files: files, candidate: "local")
        let work = workRoot.appendingPathComponent(Identifier.make(prefix: "replay"))
        defer { Self.removeWorkDirectory(work) }
        let checked = try await compileAndCheck(accepted, challenge: challenge, set: .full,
                                                graderVersion: try GraderVersion.current(for: challenge, layout: layout),
                                                workDirectory: work, replaying: CheckReplay(checkID: checkID, seed: seed),
                                                progress: progress)
        return ReplayRun(status: checked.status, outcome: checked.outcomes.first, message: checked.compilerMessage)
    }

    // MARK: Public checks

    /// Runs a challenge's public checks against files, without storing anything (`grader test`).
    public func runPublicChecks(challenge id: String, files: [SubmittedFile],
                                progress: @escaping @Sendable (GradingEvent) -> Void = { _ in }) async throws -> PublicCheckRun {
        let challenge = try catalog.load(id)
        let accepted = try Intake.validate(files: files, candidate: "local")
        let work = workRoot.appendingPathComponent(Identifier.make(prefix: "test"))
        defer { Self.removeWorkDirectory(work) }
        let checked = try await compileAndCheck(accepted, challenge: challenge, set: .publicOnly,
                                                graderVersion: try GraderVersion.current(for: challenge, layout: layout),
                                                workDirectory: work, progress: progress)
        return PublicCheckRun(status: checked.status, outcomes: checked.outcomes, message: checked.compilerMessage,
                              warnings: checked.diagnostics.concurrencyWarnings + checked.diagnostics.compilerWarnings,
                              policyFindings: checked.diagnostics.policyFindings)
    }
}

/// The result of `grader test`: public checks only, nothing stored.
public struct PublicCheckRun: Sendable {
    public var status: GradingStatus
    public var outcomes: [CheckOutcome]
    public var message: String?
    public var warnings: [CompilerDiagnostic]
    public var policyFindings: [PolicyFinding]

    public var allPassed: Bool { status == .graded && outcomes.allSatisfy(\.status.passed) }
}

/// Which check a replay runs, and under which seed (nil: the check's own default).
struct CheckReplay: Sendable {
    var checkID: String
    var seed: UInt64?
}

/// The result of `grader replay`: one check's outcome, nothing stored.
public struct ReplayRun: Sendable {
    public var status: GradingStatus
    /// Nil when the files did not compile (see `status` and `message`).
    public var outcome: CheckOutcome?
    public var message: String?
}

public enum ReplayError: Error, CustomStringConvertible {
    case unknownCheck(String, challenge: String, known: [String], racePass: Bool)

    public var description: String {
        switch self {
        case .unknownCheck(let id, let challenge, let known, let racePass):
            racePass
                ? "\(id) is the race pass, which reruns the concurrent checks under ThreadSanitizer; replay one of those checks instead"
                : "\(challenge) has no check \"\(id.prefix(80))\"; its checks: \(known.joined(separator: ", "))"
        }
    }
}
