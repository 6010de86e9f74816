import Foundation
import GraderModel

/// `GET /api/v1/challenges` and `/api/v1/challenges/{id}`: what a candidate may know of one.
public struct ChallengeBody: Codable, Sendable, Equatable {
    public struct Criterion: Codable, Sendable, Equatable {
        public var id: String
        public var title: String
        public var category: String
        public var kind: String
        public var points: Double
        public init(id: String, title: String, category: String, kind: String, points: Double) {
            self.id = id
            self.title = title
            self.category = category
            self.kind = kind
            self.points = points
        }
    }
    public var id: String
    public var title: String
    public var entryType: String
    public var maxScore: Double
    public var criteria: [Criterion]
    public var publicChecks: [String]
    /// The prompt (`README.md`), in the detail route only.
    public var prompt: String?

    public init(id: String, title: String, entryType: String, maxScore: Double, criteria: [Criterion], publicChecks: [String],
                prompt: String?) {
        self.id = id
        self.title = title
        self.entryType = entryType
        self.maxScore = maxScore
        self.criteria = criteria
        self.publicChecks = publicChecks
        self.prompt = prompt
    }
}

public struct ChallengeList: Codable, Sendable, Equatable {
    public var challenges: [ChallengeBody]
    public init(challenges: [ChallengeBody]) { self.challenges = challenges }
}

/// `POST /api/v1/regrade`: the submissions to grade again, or every submission of a challenge.
public struct RegradeRequest: Codable, Sendable, Equatable {
    public var submissions: [String]?
    public var challenge: String?
    public init(submissions: [String]? = nil, challenge: String? = nil) {
        self.submissions = submissions
        self.challenge = challenge
    }
}

public struct RegradeResponse: Codable, Sendable, Equatable {
    public struct Job: Codable, Sendable, Equatable {
        public var job: String
        public var submission: String
        public init(job: String, submission: String) {
            self.job = job
            self.submission = submission
        }
    }
    public var jobs: [Job]
    public init(jobs: [Job]) { self.jobs = jobs }
}

/// `POST /api/v1/submissions/{id}/reviews`: points for manual criteria and a comment.
public struct ReviewRequest: Codable, Sendable, Equatable {
    public var scores: [String: Double]
    public var comment: String
    public init(scores: [String: Double], comment: String) {
        self.scores = scores
        self.comment = comment
    }
}

public struct ReviewBody: Codable, Sendable, Equatable {
    public var id: String
    public var submission: String
    public var reviewer: String
    public var scores: [String: Double]
    public var comment: String
    public var createdAt: Date
    public init(id: String, submission: String, reviewer: String, scores: [String: Double], comment: String, createdAt: Date) {
        self.id = id
        self.submission = submission
        self.reviewer = reviewer
        self.scores = scores
        self.comment = comment
        self.createdAt = createdAt
    }
}

/// `GET /healthz`.
public struct HealthBody: Codable, Sendable, Equatable {
    public var status: String
    public var version: String
    public init(status: String, version: String) {
        self.status = status
        self.version = version
    }
}
