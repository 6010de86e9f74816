import Foundation

/// A bearer token of the HTTP API, as stored: only a SHA-256 of its secret is kept.
public struct APIToken: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable, Codable {
        /// Submits, and sees only its own submissions and the candidate view of their reports.
        case candidate
        /// Sees every submission and full reports; adds manual reviews.
        case reviewer
        /// What a reviewer may, and regrades.
        case admin
    }

    public var id: String
    public var name: String
    public var role: Role
    public var createdAt: Date
    public var revokedAt: Date?

    public init(id: String, name: String, role: Role, createdAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}
