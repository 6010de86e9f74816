import Foundation
import GRDB

extension GraderDatabase {
    public func insertToken(_ token: APIToken, secretSha256: String) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO apiToken (id, name, role, secretSha256, createdAt, revokedAt) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [token.id, token.name, token.role.rawValue, secretSha256, token.createdAt, token.revokedAt])
        }
    }

    public func token(id: String) throws -> (token: APIToken, secretSha256: String)? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM apiToken WHERE id = ?", arguments: [id]).flatMap { row in
                Self.token(row).map { ($0, row["secretSha256"]) }
            }
        }
    }

    public func tokens() throws -> [APIToken] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM apiToken ORDER BY createdAt, rowid").compactMap(Self.token)
        }
    }

    public func revokeToken(id: String, at: Date) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "UPDATE apiToken SET revokedAt = ? WHERE id = ? AND revokedAt IS NULL", arguments: [at, id])
            return db.changesCount == 1
        }
    }

    /// A stored row as a token; nil for a role this grader does not know (it grants nothing).
    private static func token(_ row: Row) -> APIToken? {
        guard let role = APIToken.Role(rawValue: row["role"]) else { return nil }
        return APIToken(id: row["id"], name: row["name"], role: role, createdAt: row["createdAt"], revokedAt: row["revokedAt"])
    }
}
