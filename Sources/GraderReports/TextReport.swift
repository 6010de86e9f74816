import Foundation
import GraderModel

/// The terminal rendering: what a reviewer needs at a glance, failures explained.
enum TextReport {
    static func render(_ report: GradingReport) -> String {
        var lines: [String] = []
        lines.append("\(report.challenge) — submission \(report.submission.id) by \(report.submission.candidate)")
        lines.append("grading \(report.grading.id) · grader \(report.graderVersion)")
        lines.append("")
        lines.append("Status:          \(ReportWording.statusLine(report))")
        lines.append("Score:           \(ReportWording.score(report))")
        lines.append("Recommendation:  \(report.recommendation.rawValue.uppercased())")
        for reason in report.recommendationReasons { lines.append("                 · \(reason)") }
        lines.append("")
        if report.redFlags.isEmpty {
            lines.append("Red flags: none")
        } else {
            lines.append("RED FLAGS")
            for flag in report.redFlags {
                lines.append("  ⚑ \(flag.id.rawValue) (\(flag.checks.joined(separator: ", "))): \(flag.message)")
            }
        }
        if let error = report.error {
            lines.append("")
            lines.append(report.status == .internalError ? "Grader failure:" : "Compiler output:")
            lines += error.split(separator: "\n", omittingEmptySubsequences: false).prefix(60).map { "  " + $0 }
        }
        if !report.criteria.isEmpty {
            lines.append("")
            lines.append("Criteria")
            let width = max(28, report.criteria.map(\.id.rawValue.count).max() ?? 0)
            for criterion in report.criteria {
                let points = "\(format(criterion.points)) / \(format(criterion.maxPoints))"
                let mark = criterion.kind == .manual ? "·" : (criterion.points == criterion.maxPoints ? "✓" : "✗")
                let name = criterion.id.rawValue.padding(toLength: width, withPad: " ", startingAt: 0)
                lines.append("  \(mark) \(name) \(criterion.kind.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) \(points.padding(toLength: 10, withPad: " ", startingAt: 0)) \(criterion.explanation)")
            }
        }
        if !report.checks.isEmpty {
            let passed = report.checks.filter { $0.status == .pass }.count
            lines.append("")
            lines.append("Checks: \(passed) of \(report.checks.count) passed")
            for check in ReportWording.failed(report) {
                lines.append("  ✗ \(check.id) [\(check.visibility.rawValue)] \(check.status.rawValue.uppercased()) in \(ReportWording.milliseconds(check.durationMs))")
                lines.append("      \(check.message)")
                for line in check.evidence.prefix(8) { lines.append("      · \(line)") }
            }
        }
        let diagnostics = report.diagnostics
        lines.append("")
        lines.append("Diagnostics: \(diagnostics.compilerWarnings.count) compiler warning(s), \(diagnostics.concurrencyWarnings.count) concurrency warning(s), \(diagnostics.policyFindings.count) policy finding(s)")
        for warning in (diagnostics.concurrencyWarnings + diagnostics.compilerWarnings).prefix(10) {
            lines.append("  \(warning.file):\(warning.line):\(warning.column): \(warning.message)")
        }
        if let sanitizer = diagnostics.sanitizer { lines += racePass(sanitizer) }
        let timings = report.timings
        var timing = "Timings: compile \(ReportWording.milliseconds(timings.compileMs)), checks \(ReportWording.milliseconds(timings.checksMs)), "
            + "race pass \(ReportWording.milliseconds(timings.raceMs)), total \(ReportWording.milliseconds(timings.totalMs))"
        if !timings.checkModuleCached { timing += " (includes building the check module: \(ReportWording.milliseconds(timings.checkModuleBuildMs)))" }
        lines.append(timing)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The race pass: each distinct report in one line, then the first counted report's stacks.
    static func racePass(_ sanitizer: SanitizerSummary) -> [String] {
        guard sanitizer.ran else {
            return ["Race pass (ThreadSanitizer): not run" + (sanitizer.notes.isEmpty ? "" : ": " + sanitizer.notes.joined(separator: "; "))]
        }
        let counted = sanitizer.findings.filter(\.counted).count
        var lines = ["Race pass (ThreadSanitizer) over \(sanitizer.checks.joined(separator: ", ")): "
            + (sanitizer.findings.isEmpty ? "no reports" : "\(sanitizer.findings.count) distinct report(s), \(counted) counted")]
        for finding in sanitizer.findings.prefix(8) {
            lines.append("  \(finding.counted ? "✗" : "·") \(finding.summary) (×\(finding.occurrences); \(finding.checks.joined(separator: ", ")))"
                + (finding.counted ? "" : " [not counted: no frame of the submission]"))
        }
        if sanitizer.findings.count > 8 { lines.append("  … \(sanitizer.findings.count - 8) more in the JSON report") }
        for note in sanitizer.notes { lines.append("  note: \(note)") }
        if let index = sanitizer.findings.firstIndex(where: \.counted), index < sanitizer.reports.count {
            lines.append("  First counted report:")
            lines += sanitizer.reports[index].split(separator: "\n").prefix(40).map { "    " + $0 }
        }
        return lines
    }
}
