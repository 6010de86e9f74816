import GraderModel

/// The Markdown rendering, for pasting into a review or an issue.
enum MarkdownReport {
    static func render(_ report: GradingReport) -> String {
        var out = "# \(report.challenge): \(escape(report.submission.candidate))\n\n"
        out += "| | |\n|---|---|\n"
        out += "| Submission | `\(report.submission.id)` |\n| Grading | `\(report.grading.id)` |\n"
        out += "| Grader | `\(report.graderVersion)` |\n| Status | \(ReportWording.statusLine(report)) |\n"
        out += "| Score | \(ReportWording.score(report)) |\n| Recommendation | **\(report.recommendation.rawValue)** |\n\n"
        if !report.recommendationReasons.isEmpty {
            out += report.recommendationReasons.map { "- \(escape($0))" }.joined(separator: "\n") + "\n\n"
        }
        out += "## Red flags\n\n"
        out += report.redFlags.isEmpty ? "None.\n\n" : report.redFlags.map {
            "- **\($0.id.rawValue)** (\($0.checks.joined(separator: ", "))): \(escape($0.message))"
        }.joined(separator: "\n") + "\n\n"
        if let error = report.error {
            out += "## \(report.status == .internalError ? "Grader failure" : "Compiler output")\n\n```\n\(error)\n```\n\n"
        }
        if !report.criteria.isEmpty {
            out += "## Criteria\n\n| Criterion | Kind | Points | Why |\n|---|---|---|---|\n"
            for criterion in report.criteria {
                out += "| `\(criterion.id.rawValue)` | \(criterion.kind.rawValue) | \(format(criterion.points)) / \(format(criterion.maxPoints)) | \(escape(criterion.explanation)) |\n"
            }
            out += "\n"
        }
        if !report.checks.isEmpty {
            out += "## Checks\n\n| Check | Visibility | Status | Time | Message |\n|---|---|---|---|---|\n"
            for check in report.checks {
                out += "| `\(check.id)` | \(check.visibility.rawValue) | \(check.status.rawValue) | \(ReportWording.milliseconds(check.durationMs)) | \(escape(check.message)) |\n"
            }
            out += "\n"
        }
        let warnings = report.diagnostics.concurrencyWarnings + report.diagnostics.compilerWarnings
        if !warnings.isEmpty {
            out += "## Compiler warnings\n\n" + warnings.map { "- `\($0.file):\($0.line)`: \(escape($0.message))" }.joined(separator: "\n") + "\n\n"
        }
        let timings = report.timings
        out += "_Compile \(ReportWording.milliseconds(timings.compileMs)), checks \(ReportWording.milliseconds(timings.checksMs)), total \(ReportWording.milliseconds(timings.totalMs))._\n"
        return out
    }

    /// Escapes table separators and line breaks so hostile text cannot break the table.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "<", with: "&lt;")
    }
}
