import Foundation
import GraderModel
import GraderProcess
import Wire

/// The race pass (SPEC §3): the challenge's concurrent checks run again in a `-sanitize=thread`
/// build, and every distinct ThreadSanitizer report becomes evidence.
///
/// Its verdict is one outcome, named by the mapping's `racePass` (for `lru-cache`, `race-free`),
/// weighed toward criteria and red flags like any check:
/// - `fail` when ThreadSanitizer reports a race with a frame of the submission's code on one of
///   its access stacks, even if every functional check passed; also when the submission's code
///   names the sanitizer's own interface (``SanitizerInterfaceScan``); when a check's standard error
///   (where the reports go) was seen closed, redirected or hidden from the grader at any probe
///   while the check ran or after its end marker (``StandardErrorProbe``), or outgrew what is kept,
///   or when a check that reached its concurrent phase ended before the grader could confirm that
///   standard error was intact (the subject never acknowledged the end marker);
/// - `skipped` (not assessed) when no re-run check reached its concurrent phase, so there was no
///   concurrency to observe (when none reached it in the scored pass either, the rehearsal before
///   that phase being single-threaded and deterministic, the race pass does not run at all);
/// - `skipped` too when every re-run check that reached that phase hung, as it did in the checks
///   (a deadlock: what happened after the hang was never observed); `timeout` when it hung only
///   here (not passed, no race red flag: a correct but slow solution could run out of time
///   instrumented); `fail` when a check that reached its concurrent phase in the checks does not
///   reach it here (the submission behaves differently when watched);
/// - `pass` otherwise. A re-run check that crashed, timed out or hit a limit is noted, not failed:
///   its functional outcome already scored that, and the race pass judges only races.
///
/// Reports with no frame of the submission (the subject runtime or a library; none are expected,
/// see `HarnessSanitizerSupport`) are shown but never cost a point. Functional outcomes of the
/// re-run are not scored: the instrumented build is several times slower.
struct RacePass: Sendable {
    // ThreadSanitizer's options are built into the subject (`HarnessSanitizerSupport/SanitizerOptions.c`),
    // not passed in its environment, where the candidate's code could read that it is being watched.
    /// Shadow memory makes an instrumented process several times larger.
    static let memoryBytes: Int64 = 3 << 30
    /// Standard error is where the reports go: kept whole up to this (a chatty solution's prints
    /// must not push reports out); beyond it reports may be lost, and the pass cannot clear anyone.
    static let outputBytes = 64 << 20
    /// Distinct findings kept in a report; the count of the rest is noted.
    static let maximumFindings = 20
    /// Frames shown per stack in a report's text.
    static let framesShown = 10

    let definition: RacePassDefinition
    let mapping: CheckMapping
    let toolchain: Toolchain
    let runner: any ProcessRunner
    let cache: CheckModuleCache
    let parallelism: Int
    let compileLimitSeconds: Double
    /// How each re-run check ended in the scored checks (a hang only under ThreadSanitizer is suspect).
    var plainStatuses: [String: CheckStatus] = [:]
    /// The re-run checks that reached their concurrent phase in the scored checks (one that does
    /// not reach it here is suspect: the subject can behave differently when instrumented).
    var plainReachedConcurrency: Set<String> = []

    struct Result: Sendable {
        var outcome: CheckOutcome
        var summary: SanitizerSummary
        var milliseconds: Int
        var moduleBuildMilliseconds: Int
    }

    /// Builds the submission's subject with ThreadSanitizer in `workDirectory`, re-runs `checks`
    /// with `driver` (the plain build's: the driver is never instrumented) and judges. Throws
    /// ``GraderFault`` when the grader (or ThreadSanitizer itself) fails.
    func run(_ files: [SubmittedFile], challenge: Challenge, checks: [CheckDefinition], graderVersion: String,
             driver: URL, plainObject: URL, workDirectory: URL) async throws -> Result {
        let started = ContinuousClock.now
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        let interface = try await SanitizerInterfaceScan(toolchain: toolchain, runner: runner, workDirectory: workDirectory)
            .symbols(in: plainObject)
        guard interface.isEmpty else {
            // The submission names the sanitizer's own interface (its options hook, say, which the
            // instrumented build also defines): that alone fails the pass; nothing is built or run.
            var result = Self.verdict(definition, observations: [], findings: [], interfaceSymbols: interface)
            result.milliseconds = milliseconds(since: started)
            return result
        }
        let module = try await cache.module(for: challenge, set: .full, graderVersion: graderVersion)
        let compiler = SubmissionCompiler(toolchain: toolchain, runner: runner, clangModuleCache: cache.clangModuleCache,
                                          compileLimitSeconds: compileLimitSeconds, build: .threadSanitizer)
        let compiled = try await compiler.compile(files: files, module: module, entryTypeName: challenge.manifest.entryType,
                                                  workDirectory: workDirectory)
        let binary: URL
        switch compiled {
        case .compiled(let built, _, _, _, _):
            binary = built
        case .compileError(let message, _), .contractMismatch(let message, _, _, _):
            // The instrumented build of the check module compiled the challenge's starter (the
            // module cache proves ThreadSanitizer builds here), so a submission whose plain build
            // compiled and instrumented one does not is the submission's doing: a compile it makes
            // too slow, or code the instrumentation chokes on. No races could be watched: not
            // passed, and no race red flag either.
            var result = Self.unbuilt(definition, message: message, timedOut: message.contains("did not finish within"))
            result.milliseconds = milliseconds(since: started) - module.buildMilliseconds
            result.moduleBuildMilliseconds = module.buildMilliseconds
            return result
        }
        var settings = CheckRunner.Settings()
        settings.endMarkers = true
        settings.memoryBytes = Self.memoryBytes
        settings.outputBytes = Self.outputBytes
        settings.budgetFactor = definition.budgetFactor
        let executions = await CheckRunner(runner: runner, parallelism: parallelism,
                                           runtimePaths: [toolchain.runtimeLibraryDirectory], settings: settings)
            .execute(checks, subject: binary, driver: driver, workDirectory: workDirectory) { _ in }
        let symbolizer = StackSymbolizer(toolchain: toolchain, runner: runner, binary: binary,
                                         workDirectory: workDirectory)
        var result = try await judge(executions, symbolizer: symbolizer, interfaceSymbols: interface)
        result.milliseconds = milliseconds(since: started) - module.buildMilliseconds
        result.moduleBuildMilliseconds = module.buildMilliseconds
        result.outcome.durationMs = result.milliseconds
        return result
    }

    /// One re-run check's subject process, as the verdict needs it.
    struct Observation {
        var check: String
        /// Which of the check's subjects (0: the one it started with).
        var subject = 0
        var log: ThreadSanitizerLog
        /// The check reached the phase in which its threads share the subject.
        var reachedConcurrency: Bool
        /// The subject acknowledged the driver's request to write the end marker.
        var reported: Bool
        var standardErrorIntact: Bool
        /// Where standard error went while the check ran and after the marker, seen from outside
        /// (nil: not probed, as in an unsandboxed run).
        var standardErrorProbe: StandardErrorProbe? = nil
        /// Standard error outgrew ``outputBytes`` and its middle was dropped.
        var standardErrorTruncated = false
        /// Why the process did not finish normally, if it did not.
        var ending: String?
        /// The check hung under ThreadSanitizer: what ran before the hang was seen, the rest was not.
        var timedOut = false

        /// The check, and the subject when it is not the first: `many-seats-storm (subject 2)`.
        var label: String { subject == 0 ? check : "\(check) (subject \(subject + 1))" }
    }

    /// The verdict when the instrumented build failed where the plain one compiled.
    static func unbuilt(_ definition: RacePassDefinition, message: String, timedOut: Bool) -> Result {
        let text = timedOut
            ? "the ThreadSanitizer build of the submission did not finish within the compile limit (the plain build did): races cannot be ruled out"
            : "the ThreadSanitizer build of the submission failed where the plain build compiled: races cannot be ruled out"
        let evidence = [String(message.prefix(2000))]
        return Result(outcome: CheckOutcome(id: definition.id, title: definition.title, visibility: .hidden,
                                            status: timedOut ? .timeout : .crash, durationMs: 0, message: text, evidence: evidence),
                      summary: SanitizerSummary(ran: false, reports: [], checks: [], notes: [text]),
                      milliseconds: 0, moduleBuildMilliseconds: 0)
    }

    /// Whether ThreadSanitizer starts on this host (see ``SanitizerCanary``), asked at most once.
    func canaryStarts() async throws -> Bool {
        try await SanitizerCanary(toolchain: toolchain, trustedRunner: cache.runner, runner: runner,
                                  cacheDirectory: cache.cacheDirectory, memoryBytes: Self.memoryBytes).starts()
    }

    func judge(_ executions: [CheckRunner.Execution], symbolizer: StackSymbolizer,
               interfaceSymbols: [String] = []) async throws -> Result {
        var observations: [Observation] = []
        var canary: Bool?
        for execution in executions {
            let outcome = execution.outcome
            if outcome.status == .error { throw GraderFault.checkHarness(check: outcome.id, message: outcome.message) }
            guard let nonce = execution.endMarker else { continue }
            var ending: String?
            switch outcome.status {
            case .pass: ending = nil
            case .fail: ending = "failed under ThreadSanitizer: \(outcome.message.prefix(300))"
            case .timeout: ending = "timed out under ThreadSanitizer (\(outcome.message))"
            default: ending = "\(outcome.status.rawValue) under ThreadSanitizer: \(outcome.message)"
            }
            for (index, process) in execution.subjects.enumerated() {
                let standardError = String(decoding: process.standardError, as: UTF8.self)
                let log = ThreadSanitizerLog(standardError)
                let record = execution.report.flatMap { index < $0.subjects.count ? $0.subjects[index] : nil }
                let reported = record?.finishAcknowledged == true
                let label = index == 0 ? outcome.id : "\(outcome.id) (subject \(index + 1))"
                var fatalNote: String?
                if let fatal = log.fatal, !reported {
                    // Text on standard error is the candidate's to write: it decides nothing. Only a
                    // subject that never said hello (none of the candidate's code had run) can be the
                    // host's failure, and then only if the grader's own instrumented canary cannot
                    // start either. Otherwise the subject ended instrumented, which the verdict below
                    // judges like any other end (it reached its concurrent phase, or fell short).
                    if record?.saidHello != true {
                        if canary == nil { canary = try await canaryStarts() }
                        if canary == false {
                            throw GraderFault.io("ThreadSanitizer cannot start on this host (the grader's own instrumented "
                                + "canary fails too); the race pass's \(label) ended: \(fatal)")
                        }
                    }
                    fatalNote = "\(label) ended under ThreadSanitizer \(record?.saidHello == true ? "after" : "before") its runtime started: \(fatal.prefix(200))"
                }
                if case .unavailable(let reason)? = execution.standardErrors[index] {
                    throw GraderFault.io("the grader could not see where \(label)'s standard error went: \(reason)")
                }
                observations.append(Observation(
                    check: outcome.id, subject: index, log: log,
                    reachedConcurrency: Self.reachedConcurrency(outcome, mapping: mapping),
                    reported: reported,
                    standardErrorIntact: standardError.contains("\(StandardErrorMarker.prefix)\(nonce)"),
                    standardErrorProbe: execution.standardErrors[index],
                    standardErrorTruncated: process.standardErrorTruncated,
                    ending: [index == 0 ? ending : nil, fatalNote].compactMap { $0 }.joined(separator: "; ").nilIfEmpty,
                    timedOut: outcome.status == .timeout))
            }
        }
        let frames = Set(observations.flatMap { $0.log.reports.flatMap { $0.sections.flatMap(\.frames) } })
        var symbols: [ThreadSanitizerLog.Frame: [StackSymbolizer.Symbol]] = [:]
        var unattributed: String?
        if !frames.isEmpty {
            do {
                symbols = try await symbolizer.symbolize(frames)
            } catch GraderFault.launch(let message) {
                throw GraderFault.launch(message)
            } catch {
                // The frames come from text the subject could have written (and its binary is its
                // own): when they cannot be symbolized, no report can be cleared as the runtime's,
                // so every race report counts. A correct submission has no report at all.
                unattributed = "\(error)"
            }
        }
        var findings = Self.findings(in: observations, symbols: symbols, attributeAll: unattributed != nil)
        if let unattributed, !findings.isEmpty {
            findings[0].finding.summary += " (the symbolizer failed on the reports, so none could be told apart from "
                + "the submission's: \(unattributed.prefix(200)))"
        }
        return Self.verdict(definition, observations: observations, findings: findings, interfaceSymbols: interfaceSymbols,
                            plainStatuses: plainStatuses, plainReachedConcurrency: plainReachedConcurrency)
    }

    /// A distinct report: its finding, the text reviewers read, and its first stacks.
    struct DistinctReport {
        var finding: SanitizerFinding
        var text: String
    }

    static func findings(in observations: [Observation], symbols: [ThreadSanitizerLog.Frame: [StackSymbolizer.Symbol]],
                         attributeAll: Bool = false) -> [DistinctReport] {
        var order: [String] = []
        var distinct: [String: DistinctReport] = [:]
        for observation in observations {
            for report in observation.log.reports {
                let stacks = report.accessSections.map { section in
                    section.frames.flatMap { symbols[$0] ?? [Self.unresolved($0)] }
                }
                let counted = report.isRace && (attributeAll || stacks.contains { $0.contains(where: Self.isSubmission) })
                let key = report.kind + "|" + stacks.map { stack -> String in
                    let own = stack.filter(Self.isSubmission)
                    return (own.isEmpty ? Array(stack.prefix(4)) : own).map(\.function).joined(separator: ">")
                }.sorted().joined(separator: "|")
                if var existing = distinct[key] {
                    existing.finding.occurrences += 1
                    if !existing.finding.checks.contains(observation.check) { existing.finding.checks.append(observation.check) }
                    distinct[key] = existing
                    continue
                }
                order.append(key)
                let summary = "\(report.kind): " + zip(report.accessSections, stacks).map { section, stack in
                    "\(Self.lowercasedFirst(section.description)) in \(Self.place(in: stack))"
                }.joined(separator: "; ")
                distinct[key] = DistinctReport(
                    finding: SanitizerFinding(kind: report.kind, summary: summary, counted: counted,
                                              checks: [observation.check], occurrences: 1),
                    text: text(of: report, symbols: symbols))
            }
        }
        return order.compactMap { distinct[$0] }
    }

    /// The pass's verdict, first rule that applies: a race in the submission's code, the
    /// sanitizer's interface named, standard error tampered with or overflowed, unconfirmed (in a
    /// check that reached its threads in the checks), or a check that reached its threads in the
    /// checks but not here (a hang aside): `fail`. Nothing reached the threads here and nothing hung
    /// only here: `skipped`. No check watched here to its end had reached its threads in the checks:
    /// `timeout` if one hung only here (it ran to its verdict in the checks), `skipped` otherwise (a
    /// hang charged by the checks, or no credit for silence about threads the checks never
    /// reached). A check that stopped before its threads here as in the checks: `skipped` (the
    /// pass saw only part). Otherwise `pass`, noting what crashed or hung.
    static func verdict(_ definition: RacePassDefinition, observations: [Observation], findings: [DistinctReport],
                        interfaceSymbols: [String] = [], plainStatuses: [String: CheckStatus] = [:],
                        plainReachedConcurrency: Set<String> = []) -> Result {
        var checks: [String] = []
        for observation in observations where !checks.contains(observation.check) { checks.append(observation.check) }
        var notes: [String] = []
        for observation in observations where observation.subject == 0 {
            if let ending = observation.ending { notes.append("\(observation.check) \(ending)") }
            if !observation.reachedConcurrency {
                notes.append("\(observation.check) stopped before its concurrent phase under ThreadSanitizer")
            }
        }
        let kept = Array(findings.prefix(maximumFindings))
        if findings.count > kept.count { notes.append("\(findings.count - kept.count) more distinct reports not shown") }
        let uncounted = kept.filter { !$0.finding.counted }
        if !uncounted.isEmpty {
            notes.append("\(uncounted.count) report(s) with no frame of the submission's code are shown but not counted")
        }
        let counted = kept.filter(\.finding.counted)
        let tampered = observations.filter { observation in
            guard observation.reported else { return false }
            if case .redirected = observation.standardErrorProbe { return true }
            return !observation.standardErrorIntact
        }.map(\.label)
        // An end before the confirmation counts where the check had reached its threads in the
        // checks too. Where it had not, the check already failed before them there (its points are
        // lost), and the driver's phase here may rest on answers the subject forged: the end is
        // noted, and the pass, seeing no race, credits nothing (below).
        let unconfirmed = observations.filter {
            $0.reachedConcurrency && plainReachedConcurrency.contains($0.check)
                && (!$0.reported || $0.standardErrorProbe == .unknown)
        }.map(\.label)
        let overflowed = observations.filter(\.standardErrorTruncated).map(\.label)
        // Checks that hung here, where in the checks they ran to their verdict after reaching their
        // threads (or reached them here first): suspect.
        let hungOnlyHere = observations.filter {
            $0.subject == 0 && $0.timedOut && Self.ranToTheEnd(plainStatuses[$0.check])
                && ($0.reachedConcurrency || plainReachedConcurrency.contains($0.check))
        }.map(\.check)
        let ran = checks.map { "`\($0)`" }.joined(separator: " and ")

        var status = CheckStatus.pass
        var message: String
        if !counted.isEmpty {
            status = .fail
            message = "ThreadSanitizer reported \(counted.count) distinct data race\(counted.count == 1 ? "" : "s") in the "
                + "submission's code while \(ran) ran again: "
                + counted.prefix(3).map(\.finding.summary).joined(separator: " | ")
                + (counted.count > 3 ? " (and \(counted.count - 3) more)" : "")
        } else if !interfaceSymbols.isEmpty {
            status = .fail
            message = "the submission's code names ThreadSanitizer's own interface ("
                + interfaceSymbols.prefix(5).map { "`\($0)`" }.joined(separator: ", ")
                + (interfaceSymbols.count > 5 ? " and \(interfaceSymbols.count - 5) more" : "")
                + "), through which a program can change or silence its reports: races cannot be ruled out"
        } else if !tampered.isEmpty {
            status = .fail
            message = "standard error was closed or redirected while \(tampered.joined(separator: ", ")) ran under "
                + "ThreadSanitizer, which reports there: races cannot be ruled out"
        } else if !unconfirmed.isEmpty {
            status = .fail
            message = "the subject ended while \(unconfirmed.joined(separator: ", ")) ran under ThreadSanitizer, after "
                + "reaching the concurrent phase and before the grader could confirm that its standard error (where "
                + "ThreadSanitizer reports) was intact: races cannot be ruled out"
        } else if !overflowed.isEmpty {
            status = .fail
            message = "standard error passed \(outputBytes >> 20) MiB while \(overflowed.joined(separator: ", ")) ran under "
                + "ThreadSanitizer, so reports in the part not kept could have been lost: races cannot be ruled out"
        } else if case let fellShort = observations.filter({
                      $0.subject == 0 && !$0.reachedConcurrency && !$0.timedOut && plainReachedConcurrency.contains($0.check)
                  }).map(\.check),
                  !fellShort.isEmpty {
            status = .fail
            message = "\(fellShort.joined(separator: ", ")) reached the concurrent phase in the checks but not under "
                + "ThreadSanitizer: the submission behaves differently when watched, so races cannot be ruled out"
        } else if !observations.contains(where: \.reachedConcurrency) && hungOnlyHere.isEmpty {
            return notAssessed(definition, checks: checks, notes: notes, under: "under ThreadSanitizer")
        } else if !observations.contains(where: { $0.reachedConcurrency && !$0.timedOut && plainReachedConcurrency.contains($0.check) }) {
            // Nothing was watched here, to its end, that the checks had reached too.
            if !hungOnlyHere.isEmpty {
                // A hang stops the concurrency the pass exists to watch (no report is no evidence of
                // no race), and one only when instrumented is suspect: not passed, and not the race
                // red flag either (a correct but slow solution could run out of time instrumented).
                status = .timeout
                message = "\(hungOnlyHere.joined(separator: ", ")) hung only under ThreadSanitizer (in the checks it ran to its "
                    + "verdict): races cannot be ruled out"
            } else if case let unreached = observations.filter({ $0.subject == 0 && $0.reachedConcurrency && !$0.timedOut }).map(\.check),
                      !unreached.isEmpty {
                // The pass runs whatever the checks reached, so a race seen there counts; silence
                // there is no credit for concurrency never shown where it is scored.
                status = .skipped
                message = "not assessed: \(unreached.joined(separator: ", ")) never reached \(unreached.count == 1 ? "its" : "their") "
                    + "concurrent phase in the checks (\(unreached.count == 1 ? "it" : "each") stopped before its threads "
                    + "started), so ThreadSanitizer seeing no race when the threads ran here earns nothing (a race it saw "
                    + "would have counted)"
            } else {
                return notAssessed(definition, checks: checks, notes: notes, under: "under ThreadSanitizer",
                                   reason: "every re-run check that reached its threads here hung, as it hung or crashed in the "
                                       + "checks, so the concurrency after that was never observed")
            }
        } else if case let stopped = observations.filter({
                      $0.subject == 0 && !$0.reachedConcurrency && !plainReachedConcurrency.contains($0.check)
                          && !hungOnlyHere.contains($0.check)
                  }).map(\.check),
                  !stopped.isEmpty {
            // A check that stops before its threads here as in the checks (it fails as its objects
            // are made, say) keeps that part of the concurrency out of the pass's sight, the part a
            // subject could choose to hide: what the pass saw of the rest vouches for nothing.
            status = .skipped
            message = "not assessed: \(stopped.joined(separator: ", ")) stopped before \(stopped.count == 1 ? "its" : "their") "
                + "threads, here as in the checks, so ThreadSanitizer watched only part of the concurrent checks, and its "
                + "silence there earns nothing (a race it saw would have counted)"
        } else {
            message = "ThreadSanitizer reported no data race while \(ran) ran again"
                + (notes.isEmpty ? "" : " (" + notes.joined(separator: "; ") + ")")
        }
        let outcome = CheckOutcome(id: definition.id, title: definition.title, visibility: .hidden, status: status,
                                   durationMs: 0, message: message, evidence: counted.map(\.finding.summary) + notes)
        let summary = SanitizerSummary(ran: true, reports: kept.map(\.text), findings: kept.map(\.finding),
                                       checks: checks, notes: notes)
        return Result(outcome: outcome, summary: summary, milliseconds: 0, moduleBuildMilliseconds: 0)
    }

    /// Whether a check's status in the checks means the subject answered it to a verdict (it did
    /// not hang, crash or break the sandbox there).
    static func ranToTheEnd(_ status: CheckStatus?) -> Bool {
        status == .pass || status == .fail
    }

    /// The verdict when the pass has nothing to judge or to credit (`skipped`).
    static func notAssessed(_ definition: RacePassDefinition, checks: [String], notes: [String] = [], under: String,
                            reason: String? = nil) -> Result {
        let message = "not assessed: " + (reason ?? "no concurrent check reached its concurrent phase \(under), so there was no "
            + "concurrency to observe")
        return Result(outcome: CheckOutcome(id: definition.id, title: definition.title, visibility: .hidden, status: .skipped,
                                            durationMs: 0, message: message, evidence: notes),
                      summary: SanitizerSummary(ran: false, reports: [], checks: checks, notes: notes),
                      milliseconds: 0, moduleBuildMilliseconds: 0)
    }

    /// Whether a check's outcome shows it reached the phase its red-flag rule names (every phase
    /// counts when the rule names none).
    static func reachedConcurrency(_ outcome: CheckOutcome, mapping: CheckMapping) -> Bool {
        guard let phase = mapping.redFlags[outcome.id]?.phase else { return true }
        return outcome.phase == phase
    }

    // MARK: Rendering

    static func isSubmission(_ symbol: StackSymbolizer.Symbol) -> Bool {
        symbol.mangledName.contains(SubmissionCompiler.candidateModule)
    }

    static func unresolved(_ frame: ThreadSanitizerLog.Frame) -> StackSymbolizer.Symbol {
        StackSymbolizer.Symbol(mangledName: "??", function: "\(frame.module)+0x\(String(frame.offset, radix: 16))",
                               file: nil, line: nil)
    }

    /// The submission's innermost frame on a stack, else its first frame: `LRUCache.put(_:_:) (LRUCache.swift:52)`.
    static func place(in stack: [StackSymbolizer.Symbol]) -> String {
        guard let symbol = stack.first(where: isSubmission) ?? stack.first else { return "an unknown place" }
        return render(symbol)
    }

    static func render(_ symbol: StackSymbolizer.Symbol) -> String {
        guard let file = symbol.file else { return symbol.function }
        return "\(symbol.function) (\(file)\(symbol.line.map { ":\($0)" } ?? ""))"
    }

    static func lowercasedFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }

    /// The report as reviewers read it: the kind, then each section's description and top frames.
    static func text(of report: ThreadSanitizerLog.Report, symbols: [ThreadSanitizerLog.Frame: [StackSymbolizer.Symbol]]) -> String {
        var lines = ["ThreadSanitizer: \(report.kind)"]
        for section in report.sections where !section.heading.hasPrefix("Thread T") {
            lines.append("  \(section.description):")
            let stack = section.frames.flatMap { symbols[$0] ?? [unresolved($0)] }
            for (index, symbol) in stack.prefix(framesShown).enumerated() {
                lines.append("    #\(index) \(render(symbol))\(isSubmission(symbol) ? "  ← submission" : "")")
            }
            if stack.count > framesShown { lines.append("    … \(stack.count - framesShown) more frames") }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// Nil for the empty string.
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
