import Foundation
import GraderModel
import GraderReports
import Testing

@Suite struct ReportRenderingTests {
    func report(status: GradingStatus = .graded, redFlag: Bool = true) -> GradingReport {
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
                                                                        message: "non-Sendable type captured")]),
            timings: .init(compileMs: 2100, checksMs: 5400, totalMs: 7600), error: status == .compileError ? "LRUCache.swift:1:1: error: boom" : nil)
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
        #expect(text.contains("Timings: compile 2.1 s, checks 5.4 s, total 7.6 s"))
        // Red flags come before the criteria.
        #expect(text.range(of: "RED FLAGS")!.lowerBound < text.range(of: "Criteria")!.lowerBound)
    }

    @Test func textShowsTheCompilerOutputForACompileError() throws {
        let text = try ReportFormat.text.render(report(status: .compileError, redFlag: false))
        #expect(text.contains("compile error: the submission does not compile"))
        #expect(text.contains("Compiler output:\n  LRUCache.swift:1:1: error: boom"))
        #expect(text.contains("Red flags: none"))
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
