import Foundation

/// The graded report, schema `grader.report/v1` (SPEC §8). Stored as JSON with each grading,
/// printed by `grader report`, served by the API.
///
/// The SPEC's top-level fields are stable: never rename them; add fields freely.
public struct GradingReport: Codable, Sendable, Equatable {
    public static let schemaID = "grader.report/v1"

    public var schema: String = Self.schemaID
    public var submission: SubmissionInfo
    public var challenge: String
    public var grading: GradingInfo
    public var graderVersion: String
    public var status: GradingStatus
    public var score: Double
    /// The auto-gradable points.
    public var maxScore: Double
    /// Manual points awaiting a reviewer.
    public var manualPending: Double
    public var recommendation: Recommendation
    public var recommendationReasons: [String]
    public var criteria: [CriterionEntry]
    public var checks: [CheckEntry]
    public var redFlags: [RaisedRedFlag]
    public var diagnostics: Diagnostics
    public var timings: Timings
    /// Compiler output for `compile_error` and `contract_mismatch`; the failure for `internal_error`.
    public var error: String?

    public init(submission: SubmissionInfo, challenge: String, grading: GradingInfo, graderVersion: String,
                status: GradingStatus, score: Double, maxScore: Double, manualPending: Double,
                recommendation: Recommendation, recommendationReasons: [String], criteria: [CriterionEntry],
                checks: [CheckEntry], redFlags: [RaisedRedFlag], diagnostics: Diagnostics, timings: Timings,
                error: String?) {
        self.submission = submission
        self.challenge = challenge
        self.grading = grading
        self.graderVersion = graderVersion
        self.status = status
        self.score = score
        self.maxScore = maxScore
        self.manualPending = manualPending
        self.recommendation = recommendation
        self.recommendationReasons = recommendationReasons
        self.criteria = criteria
        self.checks = checks
        self.redFlags = redFlags
        self.diagnostics = diagnostics
        self.timings = timings
        self.error = error
    }

    public struct SubmissionInfo: Codable, Sendable, Equatable {
        public var id: String
        public var candidate: String
        public var submittedAt: Date
        /// SHA-256 over the files (see ``SubmissionDigest``).
        public var sha256: String
        public var files: [File]

        public struct File: Codable, Sendable, Equatable {
            public var name: String
            public var bytes: Int
            public var sha256: String
            public init(name: String, bytes: Int, sha256: String) {
                self.name = name
                self.bytes = bytes
                self.sha256 = sha256
            }
        }

        public init(id: String, candidate: String, submittedAt: Date, sha256: String, files: [File]) {
            self.id = id
            self.candidate = candidate
            self.submittedAt = submittedAt
            self.sha256 = sha256
            self.files = files
        }
    }

    public struct GradingInfo: Codable, Sendable, Equatable {
        public var id: String
        public var startedAt: Date
        public var finishedAt: Date
        /// 1 for the first try; internal errors are retried.
        public var attempts: Int
        public init(id: String, startedAt: Date, finishedAt: Date, attempts: Int) {
            self.id = id
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.attempts = attempts
        }
    }

    public struct CriterionEntry: Codable, Sendable, Equatable {
        public var id: CriterionID
        public var title: String
        public var category: String
        public var kind: Rubric.Kind
        public var points: Double
        public var maxPoints: Double
        public var essential: Bool
        public var checks: [CriterionScore.CheckRef]
        public var explanation: String

        public init(_ score: CriterionScore) {
            id = score.id
            title = score.id.title
            category = score.category.rawValue
            kind = score.kind
            points = score.points
            maxPoints = score.maxPoints
            essential = score.essential
            checks = score.checks
            explanation = score.explanation
        }
    }

    public struct CheckEntry: Codable, Sendable, Equatable {
        public var id: String
        public var title: String
        public var visibility: CheckVisibility
        public var status: CheckStatus
        public var durationMs: Int
        public var message: String
        public var evidence: [String]
        public var output: String
        public var criteria: [CriterionID]
        public var cpuMs: Int?
        public var peakMemoryBytes: Int64?
        public var phase: String?

        public init(_ outcome: CheckOutcome, criteria: [CriterionID]) {
            id = outcome.id
            title = outcome.title
            visibility = outcome.visibility
            status = outcome.status
            durationMs = outcome.durationMs
            message = outcome.message
            evidence = outcome.evidence
            output = outcome.output
            self.criteria = criteria
            cpuMs = outcome.cpuMs
            peakMemoryBytes = outcome.peakMemoryBytes
            phase = outcome.phase
        }
    }

    public struct Diagnostics: Codable, Sendable, Equatable {
        public var compilerWarnings: [CompilerDiagnostic]
        public var concurrencyWarnings: [CompilerDiagnostic]
        /// Static source policy findings (the sandbox issue adds the scanner).
        public var policyFindings: [PolicyFinding]
        /// The ThreadSanitizer pass (added with the race pass); null when it did not run.
        public var sanitizer: SanitizerSummary?

        public init(compilerWarnings: [CompilerDiagnostic] = [], concurrencyWarnings: [CompilerDiagnostic] = [],
                    policyFindings: [PolicyFinding] = [], sanitizer: SanitizerSummary? = nil) {
            self.compilerWarnings = compilerWarnings
            self.concurrencyWarnings = concurrencyWarnings
            self.policyFindings = policyFindings
            self.sanitizer = sanitizer
        }
    }

    public struct Timings: Codable, Sendable, Equatable {
        public var queueMs: Int
        /// This submission's compile: the candidate's module plus the generated entry and link.
        public var compileMs: Int
        public var checksMs: Int
        public var raceMs: Int
        public var totalMs: Int
        /// Building the cached check module during this grading (0 when it was already cached).
        public var checkModuleBuildMs: Int
        public var checkModuleCached: Bool

        public init(queueMs: Int = 0, compileMs: Int = 0, checksMs: Int = 0, raceMs: Int = 0, totalMs: Int = 0,
                    checkModuleBuildMs: Int = 0, checkModuleCached: Bool = true) {
            self.queueMs = queueMs
            self.compileMs = compileMs
            self.checksMs = checksMs
            self.raceMs = raceMs
            self.totalMs = totalMs
            self.checkModuleBuildMs = checkModuleBuildMs
            self.checkModuleCached = checkModuleCached
        }
    }
}

/// One compiler diagnostic, with the path reduced to the submitted file's name.
public struct CompilerDiagnostic: Codable, Sendable, Equatable {
    public var file: String
    public var line: Int
    public var column: Int
    public var severity: String
    public var message: String

    public init(file: String, line: Int, column: Int, severity: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.severity = severity
        self.message = message
    }
}

/// A finding of the static source policy scan.
public struct PolicyFinding: Codable, Sendable, Equatable {
    public var rule: String
    public var file: String
    public var line: Int
    public var message: String
    public var dangerous: Bool

    public init(rule: String, file: String, line: Int, message: String, dangerous: Bool) {
        self.rule = rule
        self.file = file
        self.line = line
        self.message = message
        self.dangerous = dangerous
    }
}

/// What the ThreadSanitizer race pass found (SPEC §3).
public struct SanitizerSummary: Codable, Sendable, Equatable {
    public var ran: Bool
    /// Each distinct report as reviewers read it: symbolized, demangled, trimmed.
    public var reports: [String]
    /// The same reports, one line each, with whether they count against the submission.
    public var findings: [SanitizerFinding]
    /// The checks the race pass ran again under ThreadSanitizer.
    public var checks: [String]
    /// What limits the verdict (a check that did not finish, output cut short, …).
    public var notes: [String]

    public init(ran: Bool, reports: [String], findings: [SanitizerFinding] = [], checks: [String] = [],
                notes: [String] = []) {
        self.ran = ran
        self.reports = reports
        self.findings = findings
        self.checks = checks
        self.notes = notes
    }

    private enum CodingKeys: String, CodingKey { case ran, reports, findings, checks, notes }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ran = try container.decode(Bool.self, forKey: .ran)
        reports = try container.decode([String].self, forKey: .reports)
        findings = try container.decodeIfPresent([SanitizerFinding].self, forKey: .findings) ?? []
        checks = try container.decodeIfPresent([String].self, forKey: .checks) ?? []
        notes = try container.decodeIfPresent([String].self, forKey: .notes) ?? []
    }
}

/// One distinct ThreadSanitizer report (deduplicated by the functions on its stacks).
public struct SanitizerFinding: Codable, Sendable, Equatable {
    /// ThreadSanitizer's own name for it: `data race`, `Swift access race`, `heap-use-after-free`, …
    public var kind: String
    /// One line: the kind and where each access happened.
    public var summary: String
    /// A race with a frame of the submission's code on a stack: it counts against the submission.
    /// Other reports (none are expected) are shown but never cost a point.
    public var counted: Bool
    /// The re-run checks it was seen in.
    public var checks: [String]
    /// How many times it was reported (across processes).
    public var occurrences: Int

    public init(kind: String, summary: String, counted: Bool, checks: [String], occurrences: Int) {
        self.kind = kind
        self.summary = summary
        self.counted = counted
        self.checks = checks
        self.occurrences = occurrences
    }
}

extension GradingReport {
    /// The canonical JSON encoding (pretty, ISO 8601 dates).
    public func jsonData() throws -> Data {
        try Self.encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> GradingReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(GradingReport.self, from: data)
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}
