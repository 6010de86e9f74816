import Foundation
import GraderModel

/// The formats a report renders to.
public enum ReportFormat: String, CaseIterable, Sendable {
    case text, json, markdown

    public func render(_ report: GradingReport) throws -> String {
        switch self {
        case .text: ControlCharacters.neutralize(TextReport.render(report))
        case .markdown: ControlCharacters.neutralize(MarkdownReport.render(report))
        case .json: String(decoding: try report.jsonData(), as: UTF8.self) + "\n"   // JSON escapes controls itself
        }
    }
}

/// Wording shared by the text and Markdown renderings.
enum ReportWording {
    static func statusLine(_ report: GradingReport) -> String {
        switch report.status {
        case .graded: "graded"
        case .compileError: "compile error: the submission does not compile"
        case .contractMismatch: "contract mismatch: the submission does not match the challenge's contract"
        case .rejected: "rejected at intake"
        case .internalError: "internal error: the grader failed (not the candidate's fault)"
        }
    }

    static func score(_ report: GradingReport) -> String {
        var text = "\(format(report.score)) / \(format(report.maxScore)) auto points"
        if report.manualPending > 0 { text += " (+\(format(report.manualPending)) manual points awaiting a reviewer)" }
        return text
    }

    static func milliseconds(_ value: Int) -> String {
        value >= 1000 ? String(format: "%.1f s", Double(value) / 1000) : "\(value) ms"
    }

    static func failed(_ report: GradingReport) -> [GradingReport.CheckEntry] {
        report.checks.filter { $0.status != .pass }
    }
}
