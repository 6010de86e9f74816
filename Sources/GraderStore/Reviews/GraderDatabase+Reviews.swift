import Foundation
import GRDB

extension GraderDatabase {
    public func insert(_ review: Review) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO review (id, submissionId, reviewer, reviewerTokenId, comment, createdAt) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [review.id, review.submissionID, review.reviewer, review.reviewerTokenID, review.comment, review.createdAt])
            for (criterion, points) in review.scores.sorted(by: { $0.key < $1.key }) {
                try db.execute(sql: "INSERT INTO reviewScore (reviewId, criterionId, points) VALUES (?, ?, ?)",
                               arguments: [review.id, criterion, points])
            }
        }
    }

    public func reviews(submissionID: String) throws -> [Review] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM review WHERE submissionId = ? ORDER BY createdAt, rowid",
                             arguments: [submissionID]).map { row in
                let id: String = row["id"]
                let scores = try Row.fetchAll(db, sql: "SELECT criterionId, points FROM reviewScore WHERE reviewId = ?",
                                              arguments: [id])
                return Review(id: id, submissionID: row["submissionId"], reviewer: row["reviewer"],
                              reviewerTokenID: row["reviewerTokenId"],
                              scores: Dictionary(scores.map { ($0["criterionId"], $0["points"]) }, uniquingKeysWith: { a, _ in a }),
                              comment: row["comment"], createdAt: row["createdAt"])
            }
        }
    }
}

extension GraderDatabase: DaemonStore {}
