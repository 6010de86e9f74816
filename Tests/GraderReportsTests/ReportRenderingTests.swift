import Foundation
import GraderModel
import GraderReports
import Testing

@Suite struct ReportRenderingTests {
    func report(status: GradingStatus = .graded, redFlag: Bool = true, sanitizer: SanitizerSummary? = nil) -> GradingReport {
        let criteria = [
            CriterionScore(id: .scalabilityCaching, kind: .auto, points: 22.5, maxPoints: 30, essential: true,
                           checks: [.init(id: "get-refreshes-recency", weight: 5, status: .fail)],
                           explanation: "lost 7.5 of 30: get-refreshes-recency (fail, weight 5)"),
            CriterionScore(id: .qualityCleanCode, kind: .manual, points: 0, maxPoints: 10, essential: false,
                           checks: [], explanation: "awaiting a reviewer (10 points)"),
        ]
        let failing = CheckOutcome(id: "get-refreshes-recency", title: "get refreshes recency", visibility: .hidden,
                                   status: .fail, durationMs: 14,
                                   message: "after put(1), put(2), get(1), put(3) at capacity 2, get(2) returned \"two\"; expected nil | pipe",
                                   evidence: ["ops: put(1) put(2) get(1) put(3)"])
        let passing = CheckOutcome(id: "eviction-order", title: "eviction order", visibility: .hidden, status: .pass,
                                   durationMs: 9, message: "passed")
        return GradingReport(
            submission: .init(id: "sub_0123456789abcdefghjk", candidate: "Ada | <b>", submittedAt: Date(timeIntervalSince1970: 0),
                              sha256: "00", files: []),
            challenge: "lru-cache", grading: .init(id: "grd_0123456789abcdefghjk", startedAt: Date(timeIntervalSince1970: 0),
                                                   finishedAt: Date(timeIntervalSince1970: 9), attempts: 1),
            graderVersion: "0.1.0+abc", status: status, score: 22.5, maxScore: 30, manualPending: 10,
            recommendation: .reject, recommendationReasons: ["red flag no-concurrency-handling: lost updates"],
            criteria: criteria.map(GradingReport.CriterionEntry.init),
            checks: [failing, passing].map { GradingReport.CheckEntry($0, criteria: [.scalabilityCaching]) },
            redFlags: redFlag ? [RaisedRedFlag(id: .noConcurrencyHandling, message: "8 threads lost 31 updates", checks: ["lost-updates"])] : [],
            diagnostics: .init(concurrencyWarnings: [CompilerDiagnostic(file: "LRUCache.swift", line: 3, column: 1, severity: "warning",
                                                                        message: "non-Sendable type captured")],
                               sanitizer: sanitizer),
            timings: .init(compileMs: 2100, checksMs: 5400, raceMs: 3200, totalMs: 10800), error: status == .compileError ? "LRUCache.swift:1:1: error: boom" : nil)
    }

    @Test func textShowsScoreRecommendationFlagsCriteriaAndFailures() throws {
        let text = try ReportFormat.text.render(report())
        #expect(text.contains("Score:           22.5 / 30 auto points (+10 manual points awaiting a reviewer)"))
        #expect(text.contains("Recommendation:  REJECT"))
        #expect(text.contains("⚑ no-concurrency-handling (lost-updates): 8 threads lost 31 updates"))
        #expect(text.contains("✗ scalability.caching"))
        #expect(text.contains("lost 7.5 of 30: get-refreshes-recency (fail, weight 5)"))
        #expect(text.contains("Checks: 1 of 2 passed"))
        #expect(text.contains("✗ get-refreshes-recency [hidden] FAIL in 14 ms"))
        #expect(text.contains("get(2) returned \"two\"; expected nil"))
        #expect(text.contains("· ops: put(1) put(2) get(1) put(3)"))
        #expect(text.contains("LRUCache.swift:3:1: non-Sendable type captured"))
        #expect(text.contains("Timings: compile 2.1 s, checks 5.4 s, race pass 3.2 s, total 10.8 s"))
        // Red flags come before the criteria.
        #expect(text.range(of: "RED FLAGS")!.lowerBound < text.range(of: "Criteria")!.lowerBound)
    }

    @Test func textShowsTheCompilerOutputForACompileError() throws {
        let text = try ReportFormat.text.render(report(status: .compileError, redFlag: false))
        #expect(text.contains("compile error: the submission does not compile"))
        #expect(text.contains("Compiler output:\n  LRUCache.swift:1:1: error: boom"))
        #expect(text.contains("Red flags: none"))
    }

    static let racy = SanitizerSummary(
        ran: true,
        reports: ["ThreadSanitizer: data race\n  Write of size 8:\n    #0 LRUCache.put(_:_:) (LRUCache.swift:52)  ← submission\n    #1 `a```b`"],
        findings: [
            SanitizerFinding(kind: "data race", summary: "data race: write of size 8 in LRUCache.put(_:_:) (LRUCache.swift:52)",
                             counted: true, checks: ["concurrent-storm"], occurrences: 3),
            SanitizerFinding(kind: "data race", summary: "data race: write of size 1 in ThreadStorm.run", counted: false,
                             checks: ["concurrent-lost-updates"], occurrences: 1),
        ],
        checks: ["concurrent-storm", "concurrent-lost-updates"], notes: ["concurrent-storm timed out under ThreadSanitizer"])

    @Test func theRacePassShowsEachFindingAndTheFirstCountedStack() throws {
        let text = try ReportFormat.text.render(report(sanitizer: Self.racy))
        #expect(text.contains("Race pass (ThreadSanitizer) over concurrent-storm, concurrent-lost-updates: 2 distinct report(s), 1 counted"))
        #expect(text.contains("✗ data race: write of size 8 in LRUCache.put(_:_:) (LRUCache.swift:52) (×3; concurrent-storm)"))
        #expect(text.contains("· data race: write of size 1 in ThreadStorm.run (×1; concurrent-lost-updates) [not counted: no frame of the submission]"))
        #expect(text.contains("note: concurrent-storm timed out under ThreadSanitizer"))
        #expect(text.contains("    #0 LRUCache.put(_:_:) (LRUCache.swift:52)  ← submission"))

        let markdown = try ReportFormat.markdown.render(report(sanitizer: Self.racy))
        #expect(markdown.contains("## Race pass (ThreadSanitizer)"))
        #expect(markdown.contains("- **counted**: data race: write of size 8 in LRUCache.put(_:_:) (LRUCache.swift:52) (×3 in `concurrent-storm`)"))
        // A report's own backticks cannot close its code block.
        #expect(markdown.components(separatedBy: "```").count == 3, "one report: one opening and one closing fence")

        let clean = try ReportFormat.text.render(report(sanitizer: SanitizerSummary(ran: true, reports: [], checks: ["concurrent-storm"])))
        #expect(clean.contains("Race pass (ThreadSanitizer) over concurrent-storm: no reports"))
        let notRun = try ReportFormat.text.render(report(sanitizer: SanitizerSummary(ran: false, reports: [], notes: ["no concurrency"])))
        #expect(notRun.contains("Race pass (ThreadSanitizer): not run: no concurrency"))
    }

    @Test func markdownEscapesHostileText() throws {
        let markdown = try ReportFormat.markdown.render(report())
        #expect(markdown.contains("# lru-cache: Ada \\| &lt;b>"))
        #expect(markdown.contains("expected nil \\| pipe"))
        #expect(markdown.contains("| `scalability.caching` | auto | 22.5 / 30 |"))
        #expect(!markdown.contains("<b>"))
    }

    @Test func candidateTextCannotDriveTheTerminal() throws {
        var hostile = report(status: .compileError, redFlag: false)
        hostile.error = "LRUCache.swift:1:1: error: \u{1B}[2J\u{1B}[1;1HRecommendation:  ADVANCE\u{202E}evil\u{9B}"
        hostile.checks[0].message = "fake\rRecommendation: ADVANCE\u{7}"
        for format in [ReportFormat.text, .markdown] {
            let rendered = try format.render(hostile)
            #expect(!rendered.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || (0x7F...0x9F).contains($0.value) })
            #expect(!rendered.contains("\u{202E}"))
            #expect(rendered.contains("\\u{1B}[2J"))
        }
        #expect(ControlCharacters.neutralize("tab\tand\nnewline stay") == "tab\tand\nnewline stay")
    }

    @Test func jsonIsTheReportSchema() throws {
        let json = try ReportFormat.json.render(report())
        let decoded = try GradingReport.decode(Data(json.utf8))
        #expect(decoded.schema == "grader.report/v1")
        #expect(decoded.checks.count == 2)
    }
}
