import Foundation
import GraderModel

/// Renderings of the candidate view of a report (``CandidateReport``).
public enum CandidateReportFormat {
    public static func render(_ report: CandidateReport, as format: ReportFormat) throws -> String {
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
        case .text, .markdown:
            return ControlCharacters.neutralize(text(report))
        }
    }

    static func text(_ report: CandidateReport) -> String {
        var lines = ["\(report.challenge) — submission \(report.submission)", "grading \(report.grading)", ""]
        lines.append("Status:  \(report.status.rawValue)")
        var score = "\(format(report.score)) / \(format(report.maxScore)) auto points"
        if report.manualPending > 0 { score += " (+\(format(report.manualPending)) manual points awaiting a reviewer)" }
        lines.append("Score:   \(score)")
        if let error = report.error {
            lines.append("")
            lines += error.split(separator: "\n", omittingEmptySubsequences: false).prefix(60).map { "  " + $0 }
        }
        if !report.criteria.isEmpty {
            lines.append("")
            lines.append("Criteria")
            let width = max(28, report.criteria.map(\.id.rawValue.count).max() ?? 0)
            for criterion in report.criteria {
                let points = "\(format(criterion.points)) / \(format(criterion.maxPoints))"
                let hidden = criterion.hiddenChecks > 0 ? "  hidden checks: \(criterion.hiddenChecksPassed) of \(criterion.hiddenChecks) passed" : ""
                lines.append("  \(criterion.id.rawValue.padding(toLength: width, withPad: " ", startingAt: 0)) \(criterion.kind.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) \(points)\(hidden)")
            }
        }
        lines.append("")
        lines.append("Public checks: \(report.checks.filter { $0.status == .pass }.count) of \(report.checks.count) passed; hidden checks: \(report.hiddenChecks.passed) of \(report.hiddenChecks.total) passed")
        for check in report.checks where check.status != .pass {
            lines.append("  ✗ \(check.id) \(check.status.rawValue.uppercased()): \(check.message)")
            for line in check.evidence.prefix(8) { lines.append("      · \(line)") }
        }
        if !report.redFlags.isEmpty { lines.append("Red flags: \(report.redFlags.map(\.rawValue).joined(separator: ", "))") }
        for warning in (report.concurrencyWarnings + report.compilerWarnings).prefix(10) {
            lines.append("  \(warning.file):\(warning.line):\(warning.column): \(warning.message)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
