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
        if let sanitizer = report.diagnostics.sanitizer { out += racePass(sanitizer) }
        let timings = report.timings
        out += "_Compile \(ReportWording.milliseconds(timings.compileMs)), checks \(ReportWording.milliseconds(timings.checksMs)), "
            + "race pass \(ReportWording.milliseconds(timings.raceMs)), total \(ReportWording.milliseconds(timings.totalMs))._\n"
        return out
    }

    /// The race pass: findings as a list, then each report's stacks in a code block.
    static func racePass(_ sanitizer: SanitizerSummary) -> String {
        var out = "## Race pass (ThreadSanitizer)\n\n"
        guard sanitizer.ran else {
            return out + "Not run. " + sanitizer.notes.map(escape).joined(separator: "; ") + "\n\n"
        }
        out += "Re-ran " + sanitizer.checks.map { "`\($0)`" }.joined(separator: ", ") + ": "
        out += sanitizer.findings.isEmpty ? "no reports.\n\n" : "\(sanitizer.findings.count) distinct report(s).\n\n"
        for finding in sanitizer.findings {
            out += "- \(finding.counted ? "**counted**" : "not counted (no frame of the submission)"): \(escape(finding.summary)) "
                + "(×\(finding.occurrences) in \(finding.checks.map { "`\($0)`" }.joined(separator: ", ")))\n"
        }
        for note in sanitizer.notes { out += "- note: \(escape(note))\n" }
        // A fence inside a report (raw identifiers may hold backticks) cannot close the block.
        for text in sanitizer.reports.prefix(5) {
            out += "\n```\n" + text.replacingOccurrences(of: "`", with: "'") + "\n```\n"
        }
        return out + "\n"
    }

    /// Escapes table separators and line breaks so hostile text cannot break the table.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "<", with: "&lt;")
    }
}
