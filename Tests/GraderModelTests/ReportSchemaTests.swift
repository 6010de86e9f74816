import Foundation
import GraderModel
import Testing

@Suite struct ReportSchemaTests {
    static func sampleReport() -> GradingReport {
        let scored = Scoring.score(status: .graded, rubric: Fixture.rubric, mapping: Fixture.mapping,
                                   outcomes: Fixture.outcomes(["storm": .crash]))
        return GradingReport(
            submission: .init(id: "sub_0123456789abcdefghjk", candidate: "ada", submittedAt: Date(timeIntervalSince1970: 1_700_000_000),
                              sha256: String(repeating: "a", count: 64), files: [.init(name: "A.swift", bytes: 3, sha256: "b")]),
            challenge: "lru-cache",
            grading: .init(id: "grd_0123456789abcdefghjk", startedAt: Date(timeIntervalSince1970: 1_700_000_001),
                           finishedAt: Date(timeIntervalSince1970: 1_700_000_009), attempts: 1),
            graderVersion: "0.1.0+abc", status: .graded, score: scored.score, maxScore: scored.maxScore,
            manualPending: scored.manualPending, recommendation: scored.recommendation,
            recommendationReasons: scored.recommendationReasons,
            criteria: scored.criteria.map(GradingReport.CriterionEntry.init),
            checks: Fixture.outcomes(["storm": .crash]).map { .init($0, criteria: []) },
            redFlags: scored.redFlags, diagnostics: .init(), timings: .init(compileMs: 10, checksMs: 20, totalMs: 40),
            error: nil)
    }

    @Test func theSpecsTopLevelFieldsArePresent() throws {
        let object = try JSONSerialization.jsonObject(with: try Self.sampleReport().jsonData()) as! [String: Any]
        for field in ["schema", "submission", "challenge", "grading", "graderVersion", "status", "score", "maxScore",
                      "manualPending", "recommendation", "criteria", "checks", "redFlags", "diagnostics", "timings"] {
            #expect(object[field] != nil, "missing \(field)")
        }
        #expect(object["schema"] as? String == "grader.report/v1")
        let criterion = (object["criteria"] as! [[String: Any]])[0]
        for field in ["id", "category", "kind", "points", "maxPoints", "checks"] { #expect(criterion[field] != nil, "criteria[].\(field)") }
        let check = (object["checks"] as! [[String: Any]])[0]
        for field in ["id", "title", "visibility", "status", "durationMs", "message"] { #expect(check[field] != nil, "checks[].\(field)") }
        let flag = (object["redFlags"] as! [[String: Any]])[0]
        #expect(flag["id"] as? String == "no-concurrency-handling")
        #expect(flag["message"] != nil)
        let diagnostics = object["diagnostics"] as! [String: Any]
        for field in ["compilerWarnings", "concurrencyWarnings", "policyFindings"] { #expect(diagnostics[field] != nil) }
        let timings = object["timings"] as! [String: Any]
        for field in ["queueMs", "compileMs", "checksMs", "raceMs", "totalMs"] { #expect(timings[field] != nil) }
    }

    @Test func statusesUseTheSpecsSpelling() throws {
        var report = Self.sampleReport()
        report.status = .contractMismatch
        report.checks[0].status = .sandboxViolation
        let text = String(decoding: try report.jsonData(), as: UTF8.self)
        #expect(text.contains("\"contract_mismatch\""))
        #expect(text.contains("\"sandbox_violation\""))
    }

    @Test func reportsRoundTrip() throws {
        let report = Self.sampleReport()
        #expect(try GradingReport.decode(try report.jsonData()) == report)
    }
}
