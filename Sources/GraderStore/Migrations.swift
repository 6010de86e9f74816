import GRDB

/// The schema, as an append-only list of migrations. Never edit a shipped migration: add one.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: submissions and gradings") { db in
            try db.create(table: "submission") { t in
                t.primaryKey("id", .text)
                t.column("challenge", .text).notNull()
                t.column("candidate", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("sha256", .text).notNull()
                t.column("totalBytes", .integer).notNull()
            }
            try db.create(index: "submission_on_challenge_createdAt", on: "submission", columns: ["challenge", "createdAt"])
            try db.create(table: "submissionFile") { t in
                t.column("submissionId", .text).notNull().references("submission", onDelete: .restrict)
                t.column("position", .integer).notNull()
                t.column("name", .text).notNull()
                t.column("content", .blob).notNull()
                t.column("sha256", .text).notNull()
                t.primaryKey(["submissionId", "name"])
            }
            try db.create(table: "grading") { t in
                t.primaryKey("id", .text)
                t.column("submissionId", .text).notNull().references("submission", onDelete: .restrict)
                t.column("graderVersion", .text).notNull()
                t.column("status", .text).notNull()
                t.column("score", .double).notNull()
                t.column("maxScore", .double).notNull()
                t.column("manualPending", .double).notNull()
                t.column("recommendation", .text).notNull()
                t.column("attempts", .integer).notNull()
                t.column("startedAt", .datetime).notNull()
                t.column("finishedAt", .datetime).notNull()
                t.column("queueMs", .integer).notNull()
                t.column("compileMs", .integer).notNull()
                t.column("checksMs", .integer).notNull()
                t.column("raceMs", .integer).notNull()
                t.column("totalMs", .integer).notNull()
                t.column("report", .text).notNull()
            }
            try db.create(index: "grading_on_submission", on: "grading", columns: ["submissionId", "finishedAt"])
            try db.create(table: "checkResult") { t in
                t.column("gradingId", .text).notNull().references("grading", onDelete: .restrict)
                t.column("checkId", .text).notNull()
                t.column("title", .text).notNull()
                t.column("visibility", .text).notNull()
                t.column("status", .text).notNull()
                t.column("durationMs", .integer).notNull()
                t.column("message", .text).notNull()
                t.column("evidence", .text).notNull()
                t.column("output", .text).notNull()
                t.primaryKey(["gradingId", "checkId"])
            }
            try db.create(table: "criterionScore") { t in
                t.column("gradingId", .text).notNull().references("grading", onDelete: .restrict)
                t.column("criterionId", .text).notNull()
                t.column("category", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("points", .double).notNull()
                t.column("maxPoints", .double).notNull()
                t.primaryKey(["gradingId", "criterionId"])
            }
            try db.create(table: "redFlag") { t in
                t.column("gradingId", .text).notNull().references("grading", onDelete: .restrict)
                t.column("flagId", .text).notNull()
                t.column("message", .text).notNull()
                t.primaryKey(["gradingId", "flagId"])
            }
            // History is append-only: submissions and gradings are never rewritten or deleted.
            try makeImmutable(["submission", "submissionFile", "grading", "checkResult", "criterionScore", "redFlag"], in: db)
        }
        migrator.registerMigration("v2: the daemon's queue, tokens, idempotency keys, outbox, reviews") { db in
            // Who submitted through the API (nil for local `grade`), and which job a grading completed:
            // a job completes at most once, and the unique index makes the database itself refuse a second.
            try db.alter(table: "submission") { t in t.add(column: "ownerTokenId", .text) }
            try db.alter(table: "grading") { t in t.add(column: "jobId", .text) }
            try db.create(index: "grading_on_job", on: "grading", columns: ["jobId"], unique: true, condition: Column("jobId") != nil)
            try db.create(table: "job") { t in
                t.primaryKey("id", .text)
                t.column("submissionId", .text).notNull().references("submission", onDelete: .restrict)
                t.column("kind", .text).notNull()
                t.column("priority", .integer).notNull()
                t.column("state", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("leaseOwner", .text)
                t.column("leaseExpiresAt", .datetime)
                t.column("enqueuedAt", .datetime).notNull()
                t.column("compilingAt", .datetime)
                t.column("runningAt", .datetime)
                t.column("finishedAt", .datetime)
                t.column("checksDone", .integer).notNull().defaults(to: 0)
                t.column("checksTotal", .integer).notNull().defaults(to: 0)
                t.column("gradingId", .text).references("grading", onDelete: .restrict)
                t.column("lastError", .text)
                t.column("requestedBy", .text)
            }
            try db.create(index: "job_on_state_priority", on: "job", columns: ["state", "priority", "enqueuedAt"])
            try db.create(index: "job_on_submission", on: "job", columns: ["submissionId", "enqueuedAt"])
            try db.create(index: "submission_on_owner_createdAt", on: "submission", columns: ["ownerTokenId", "createdAt"])
            try db.create(table: "idempotencyKey") { t in
                t.column("ownerTokenId", .text).notNull()
                t.column("key", .text).notNull()
                t.column("requestSha256", .text).notNull()
                t.column("submissionId", .text).notNull().references("submission", onDelete: .restrict)
                t.column("createdAt", .datetime).notNull()
                t.primaryKey(["ownerTokenId", "key"])
            }
            try db.create(table: "apiToken") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("role", .text).notNull()
                t.column("secretSha256", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("revokedAt", .datetime)
            }
            try db.create(table: "outbox") { t in
                t.primaryKey("id", .text)
                t.column("type", .text).notNull()
                t.column("payload", .blob).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("nextAttemptAt", .datetime).notNull()
                t.column("deliveredAt", .datetime)
                t.column("lastError", .text)
            }
            try db.create(index: "outbox_on_due", on: "outbox", columns: ["deliveredAt", "nextAttemptAt"])
            try db.create(table: "review") { t in
                t.primaryKey("id", .text)
                t.column("submissionId", .text).notNull().references("submission", onDelete: .restrict)
                t.column("reviewer", .text).notNull()
                t.column("reviewerTokenId", .text)
                t.column("comment", .text).notNull()
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "reviewScore") { t in
                t.column("reviewId", .text).notNull().references("review", onDelete: .restrict)
                t.column("criterionId", .text).notNull()
                t.column("points", .double).notNull()
                t.primaryKey(["reviewId", "criterionId"])
            }
            try makeImmutable(["review", "reviewScore", "idempotencyKey"], in: db)
        }
        return migrator
    }

    /// Triggers that abort any update or delete of the tables' rows.
    private static func makeImmutable(_ tables: [String], in db: Database) throws {
        for table in tables {
            try db.execute(sql: """
                CREATE TRIGGER \(table)_immutable_update BEFORE UPDATE ON \(table)
                BEGIN SELECT RAISE(ABORT, '\(table) rows are immutable'); END;
                CREATE TRIGGER \(table)_immutable_delete BEFORE DELETE ON \(table)
                BEGIN SELECT RAISE(ABORT, '\(table) rows are immutable'); END;
                """)
        }
    }
}
