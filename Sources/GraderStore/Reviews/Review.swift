import Foundation

/// A reviewer's manual scores and comment on a submission: a row of its own, never rewritten.
public struct Review: Sendable, Equatable {
    public var id: String
    public var submissionID: String
    public var reviewer: String
    public var reviewerTokenID: String?
    /// Points per manual criterion id.
    public var scores: [String: Double]
    public var comment: String
    public var createdAt: Date

    public init(id: String, submissionID: String, reviewer: String, reviewerTokenID: String?, scores: [String: Double],
                comment: String, createdAt: Date) {
        self.id = id
        self.submissionID = submissionID
        self.reviewer = reviewer
        self.reviewerTokenID = reviewerTokenID
        self.scores = scores
        self.comment = comment
        self.createdAt = createdAt
    }
}
