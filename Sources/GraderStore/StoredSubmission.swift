import Foundation

/// A submission as stored: immutable source files plus who, what and when.
public struct StoredSubmission: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        public var name: String
        public var content: Data
        public var sha256: String
        public init(name: String, content: Data, sha256: String) {
            self.name = name
            self.content = content
            self.sha256 = sha256
        }
    }

    public var id: String
    public var challenge: String
    public var candidate: String
    public var createdAt: Date
    public var sha256: String
    public var files: [File]
    /// The API token that submitted it; nil for a local `grade`.
    public var ownerTokenID: String?

    public init(id: String, challenge: String, candidate: String, createdAt: Date, sha256: String, files: [File],
                ownerTokenID: String? = nil) {
        self.ownerTokenID = ownerTokenID
        self.id = id
        self.challenge = challenge
        self.candidate = candidate
        self.createdAt = createdAt
        self.sha256 = sha256
        self.files = files
    }

    public var totalBytes: Int { files.reduce(0) { $0 + $1.content.count } }
}

/// One line of a submission's grading history.
public struct GradingSummary: Sendable, Equatable {
    public var id: String
    public var submissionID: String
    public var graderVersion: String
    public var status: String
    public var score: Double
    public var maxScore: Double
    public var recommendation: String
    public var finishedAt: Date
}
