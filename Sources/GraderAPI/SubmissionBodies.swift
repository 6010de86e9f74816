import Foundation
import GraderModel

/// `POST /api/v1/submissions`: the challenge and the files by name.
public struct SubmitRequest: Codable, Sendable, Equatable {
    public var challenge: String
    public var files: [String: String]
    public init(challenge: String, files: [String: String]) {
        self.challenge = challenge
        self.files = files
    }
}

/// When each phase of the latest job began.
public struct PhaseTimes: Codable, Sendable, Equatable {
    public var queuedAt: Date?
    public var compilingAt: Date?
    public var runningAt: Date?
    public var finishedAt: Date?
    public init(queuedAt: Date? = nil, compilingAt: Date? = nil, runningAt: Date? = nil, finishedAt: Date? = nil) {
        self.queuedAt = queuedAt
        self.compilingAt = compilingAt
        self.runningAt = runningAt
        self.finishedAt = finishedAt
    }

    /// Every key, `null` for a phase not reached.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(queuedAt, forKey: .queuedAt)
        try container.encode(compilingAt, forKey: .compilingAt)
        try container.encode(runningAt, forKey: .runningAt)
        try container.encode(finishedAt, forKey: .finishedAt)
    }
}

/// How far the running job is: checks done of total (0 of 0 before the checks start).
public struct Progress: Codable, Sendable, Equatable {
    public var checksDone: Int
    public var checksTotal: Int
    public init(checksDone: Int, checksTotal: Int) {
        self.checksDone = checksDone
        self.checksTotal = checksTotal
    }
}

/// A grading's report as the caller may see it: reviewers and admins get the full
/// `grader.report/v1`, candidates the `grader.candidate-report/v1` view.
public enum ReportBody: Codable, Sendable, Equatable {
    case full(GradingReport)
    case candidate(CandidateReport)

    public init(from decoder: any Decoder) throws {
        struct Schema: Decodable { var schema: String }
        let schema = try Schema(from: decoder).schema
        switch schema {
        case GradingReport.schemaID: self = .full(try GradingReport(from: decoder))
        case CandidateReport.schemaID: self = .candidate(try CandidateReport(from: decoder))
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown report schema \(schema)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .full(let report): try report.encode(to: encoder)
        case .candidate(let report): try report.encode(to: encoder)
        }
    }

    public var status: GradingStatus {
        switch self {
        case .full(let report): report.status
        case .candidate(let report): report.status
        }
    }
}

/// A submission and where it stands (`GET /api/v1/submissions/{id}`; the list leaves `report` out).
public struct SubmissionBody: Codable, Sendable, Equatable {
    public var id: String
    public var challenge: String
    public var candidate: String
    public var submittedAt: Date
    /// `queued`, `compiling`, `running`, then the latest grading's status.
    public var status: String
    /// The latest job's id and how often it was claimed.
    public var job: String?
    public var attempts: Int
    public var phases: PhaseTimes
    public var progress: Progress
    public var grading: String?
    public var score: Double?
    public var maxScore: Double?
    public var report: ReportBody?

    public init(id: String, challenge: String, candidate: String, submittedAt: Date, status: String, job: String?, attempts: Int,
                phases: PhaseTimes, progress: Progress, grading: String?, score: Double?, maxScore: Double?, report: ReportBody?) {
        self.id = id
        self.challenge = challenge
        self.candidate = candidate
        self.submittedAt = submittedAt
        self.status = status
        self.job = job
        self.attempts = attempts
        self.phases = phases
        self.progress = progress
        self.grading = grading
        self.score = score
        self.maxScore = maxScore
        self.report = report
    }

    /// Every key, `null` where there is nothing (SPEC §8: `"report": <grader.report/v1 or null>`).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(challenge, forKey: .challenge)
        try container.encode(candidate, forKey: .candidate)
        try container.encode(submittedAt, forKey: .submittedAt)
        try container.encode(status, forKey: .status)
        try container.encode(job, forKey: .job)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(phases, forKey: .phases)
        try container.encode(progress, forKey: .progress)
        try container.encode(grading, forKey: .grading)
        try container.encode(score, forKey: .score)
        try container.encode(maxScore, forKey: .maxScore)
        try container.encode(report, forKey: .report)
    }

    /// Whether grading is over (a final status).
    public var isFinished: Bool { !["queued", "compiling", "running"].contains(status) }
}

/// `GET /api/v1/submissions`.
public struct SubmissionList: Codable, Sendable, Equatable {
    public var submissions: [SubmissionBody]
    public var limit: Int
    public var offset: Int
    public init(submissions: [SubmissionBody], limit: Int, offset: Int) {
        self.submissions = submissions
        self.limit = limit
        self.offset = offset
    }
}

/// The error shape of every 4xx and 5xx.
public struct ErrorBody: Codable, Sendable, Equatable {
    public struct Detail: Codable, Sendable, Equatable {
        public var code: String
        public var message: String
        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }
    public var error: Detail
    public init(code: String, message: String) { error = Detail(code: code, message: message) }
}

/// JSON coding shared by the server and its clients: ISO 8601 dates, stable key order.
public enum APICoding {
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
