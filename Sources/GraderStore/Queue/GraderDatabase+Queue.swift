import Foundation
import GRDB
import GraderModel

/// The queue on SQLite. Every write runs in an IMMEDIATE transaction: SQLite has one writer, so a
/// claim, a completion or an enqueue with its checks is atomic against every other.
extension GraderDatabase {
    // MARK: Intake

    public func enqueue(_ request: EnqueueRequest) throws -> EnqueueOutcome {
        try writeImmediately { db -> EnqueueOutcome in
            let owner = request.submission.ownerTokenID ?? ""
            if let idempotency = request.idempotency,
               let row = try Row.fetchOne(db, sql: """
                   SELECT requestSha256, submissionId FROM idempotencyKey WHERE ownerTokenId = ? AND key = ?
                   """, arguments: [owner, idempotency.key]) {
                guard row["requestSha256"] == idempotency.requestSha256 else { return .keyReusedWithDifferentBody }
                guard let status = try Self.status(submissionID: row["submissionId"], in: db) else {
                    throw QueueError.unknownSubmission(row["submissionId"])
                }
                return .replayed(status)
            }
            // Stored times are whole seconds, rounded down: a second more keeps a full minute.
            let windowStart = request.at.addingTimeInterval(-61)
            let recent = try Date.fetchAll(db, sql: """
                SELECT createdAt FROM submission WHERE ownerTokenId = ? AND createdAt > ? ORDER BY createdAt
                """, arguments: [owner, windowStart])
            if recent.count >= request.limits.submissionsPerMinute {
                let oldest = recent[recent.count - request.limits.submissionsPerMinute]
                let wait = oldest.addingTimeInterval(61).timeIntervalSince(request.at)
                return .rateLimited(retryAfterSeconds: max(1, Int(wait.rounded(.up))))
            }
            let unfinished = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM job j JOIN submission s ON s.id = j.submissionId
                WHERE s.ownerTokenId = ? AND j.state != 'finished' AND j.kind = 'submission'
                """, arguments: [owner]) ?? 0
            if unfinished >= request.limits.unfinishedPerOwner { return .tooManyUnfinished }
            // Regrades wait behind new submissions anyway: only these count toward the depth.
            let queued = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job WHERE state = 'queued' AND kind = 'submission'") ?? 0
            if queued >= request.limits.maximumQueuedJobs { return .queueFull }

            try Self.insert(request.submission, in: db)
            try Self.insertJob(submissionID: request.submission.id, kind: .submission, priority: GradingJob.Priority.submission,
                               requestedBy: request.submission.ownerTokenID, at: request.at, in: db)
            if let idempotency = request.idempotency {
                try db.execute(sql: """
                    INSERT INTO idempotencyKey (ownerTokenId, key, requestSha256, submissionId, createdAt) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [owner, idempotency.key, idempotency.requestSha256, request.submission.id, request.at])
            }
            guard let status = try Self.status(submissionID: request.submission.id, in: db) else {
                throw QueueError.unknownSubmission(request.submission.id)
            }
            return .accepted(status)
        }
    }

    public func enqueueRegrades(submissionIDs: [String], requestedBy: String?, at: Date) throws -> [GradingJob] {
        try writeImmediately { db in
            try submissionIDs.map { id in
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM submission WHERE id = ?)", arguments: [id]) == true else {
                    throw QueueError.unknownSubmission(id)
                }
                return try Self.insertJob(submissionID: id, kind: .regrade, priority: GradingJob.Priority.regrade,
                                          requestedBy: requestedBy, at: at, in: db)
            }
        }
    }

    @discardableResult
    static func insertJob(submissionID: String, kind: GradingJob.Kind, priority: Int, requestedBy: String?, at: Date,
                          in db: Database) throws -> GradingJob {
        let id = Identifier.make(prefix: "job")
        try db.execute(sql: """
            INSERT INTO job (id, submissionId, kind, priority, state, attempts, enqueuedAt, requestedBy)
            VALUES (?, ?, ?, ?, 'queued', 0, ?, ?)
            """, arguments: [id, submissionID, kind.rawValue, priority, at, requestedBy])
        guard let job = try job(id: id, in: db) else { throw QueueError.unknownSubmission(submissionID) }
        return job
    }

    // MARK: Workers

    public func claimJob(owner: String, leaseSeconds: Double, at: Date) throws -> GradingJob? {
        try writeImmediately { db in
            guard let id = try String.fetchOne(db, sql: """
                SELECT id FROM job
                WHERE state = 'queued' OR (state IN ('compiling', 'running') AND leaseExpiresAt < ?)
                ORDER BY priority DESC, enqueuedAt, rowid LIMIT 1
                """, arguments: [at]) else { return nil }
            try db.execute(sql: """
                UPDATE job SET state = 'compiling', attempts = attempts + 1, leaseOwner = ?, leaseExpiresAt = ?,
                    compilingAt = ?, runningAt = NULL, checksDone = 0, checksTotal = 0
                WHERE id = ?
                """, arguments: [owner, at.addingTimeInterval(leaseSeconds), at, id])
            return try Self.job(id: id, in: db)
        }
    }

    public func renewLease(jobID: String, owner: String, until: Date) throws -> Bool {
        try writeImmediately { db in
            try db.execute(sql: """
                UPDATE job SET leaseExpiresAt = ? WHERE id = ? AND leaseOwner = ? AND state IN ('compiling', 'running')
                """, arguments: [until, jobID, owner])
            return db.changesCount == 1
        }
    }

    public func recordProgress(jobID: String, owner: String, phase: JobPhase, checksDone: Int, checksTotal: Int, at: Date) throws {
        try writeImmediately { db in
            switch phase {
            case .compiling:
                try db.execute(sql: """
                    UPDATE job SET state = 'compiling' WHERE id = ? AND leaseOwner = ? AND state IN ('compiling', 'running')
                    """, arguments: [jobID, owner])
            case .running:
                try db.execute(sql: """
                    UPDATE job SET state = 'running', runningAt = COALESCE(runningAt, ?), checksDone = ?, checksTotal = ?
                    WHERE id = ? AND leaseOwner = ? AND state IN ('compiling', 'running')
                    """, arguments: [at, checksDone, checksTotal, jobID, owner])
            }
            if db.changesCount != 1 { throw QueueError.leaseLost(jobID: jobID) }
        }
    }

    public func complete(jobID: String, owner: String, report: GradingReport, event: OutboxEvent?, at: Date) throws {
        try writeImmediately { db in
            try db.execute(sql: """
                UPDATE job SET state = 'finished', finishedAt = ?, gradingId = NULL, leaseExpiresAt = NULL, lastError = NULL
                WHERE id = ? AND leaseOwner = ? AND state IN ('compiling', 'running')
                """, arguments: [at, jobID, owner])
            guard db.changesCount == 1 else { throw QueueError.leaseLost(jobID: jobID) }
            try Self.insert(report, jobID: jobID, in: db)
            try db.execute(sql: "UPDATE job SET gradingId = ? WHERE id = ?", arguments: [report.grading.id, jobID])
            if let event { try Self.insert(event, in: db) }
        }
    }

    public func handBack(jobID: String, owner: String, error: String?, countsAsAttempt: Bool) throws {
        try writeImmediately { db in
            try db.execute(sql: """
                UPDATE job SET state = 'queued', leaseOwner = NULL, leaseExpiresAt = NULL, compilingAt = NULL,
                    runningAt = NULL, checksDone = 0, checksTotal = 0, lastError = COALESCE(?, lastError),
                    attempts = attempts - ?
                WHERE id = ? AND leaseOwner = ? AND state IN ('compiling', 'running')
                """, arguments: [error, countsAsAttempt ? 0 : 1, jobID, owner])
        }
    }

    public func releaseAbandonedLeases(at: Date) throws -> Int {
        try writeImmediately { db in
            try db.execute(sql: """
                UPDATE job SET state = 'queued', leaseOwner = NULL, leaseExpiresAt = NULL, compilingAt = NULL,
                    runningAt = NULL, checksDone = 0, checksTotal = 0,
                    lastError = 'the daemon stopped while grading it (released at restart)'
                WHERE state IN ('compiling', 'running')
                """)
            return db.changesCount
        }
    }

    // MARK: Reads

    public func job(id: String) throws -> GradingJob? {
        try pool.read { try Self.job(id: id, in: $0) }
    }

    public func jobCounts() throws -> [GradingJob.State: Int] {
        try pool.read { db in
            var counts = Dictionary(uniqueKeysWithValues: GradingJob.State.allCases.map { ($0, 0) })
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM job GROUP BY state") {
                if let state = GradingJob.State(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    public func status(submissionID: String) throws -> SubmissionStatus? {
        try pool.read { try Self.status(submissionID: submissionID, in: $0) }
    }

    public func submissionIDs(challenge: String) throws -> [String] {
        try pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM submission WHERE challenge = ? ORDER BY createdAt, rowid", arguments: [challenge])
        }
    }

    public func submissions(matching filter: SubmissionFilter) throws -> [SubmissionStatus] {
        try pool.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let owner = filter.ownerTokenID { conditions.append("s.ownerTokenId = ?"); arguments += [owner] }
            if let challenge = filter.challenge { conditions.append("s.challenge = ?"); arguments += [challenge] }
            if let candidate = filter.candidate { conditions.append("s.candidate = ?"); arguments += [candidate] }
            if let status = filter.status {
                conditions.append("""
                    COALESCE((SELECT CASE WHEN j.state = 'finished' THEN NULL ELSE j.state END FROM job j
                              WHERE j.submissionId = s.id ORDER BY j.enqueuedAt DESC, j.rowid DESC LIMIT 1),
                             (SELECT g.status FROM grading g WHERE g.submissionId = s.id ORDER BY g.finishedAt DESC, g.rowid DESC LIMIT 1),
                             'queued') = ?
                    """)
                arguments += [status]
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            arguments += [filter.limit, filter.offset]
            let ids = try String.fetchAll(db, sql: """
                SELECT s.id FROM submission s \(whereClause) ORDER BY s.createdAt DESC, s.rowid DESC LIMIT ? OFFSET ?
                """, arguments: arguments)
            return try ids.compactMap { try Self.status(submissionID: $0, in: db) }
        }
    }

    static func status(submissionID: String, in db: Database) throws -> SubmissionStatus? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT id, challenge, candidate, createdAt, ownerTokenId FROM submission WHERE id = ?
            """, arguments: [submissionID]) else { return nil }
        let job = try String.fetchOne(db, sql: """
            SELECT id FROM job WHERE submissionId = ? ORDER BY enqueuedAt DESC, rowid DESC LIMIT 1
            """, arguments: [submissionID]).flatMap { try Self.job(id: $0, in: db) }
        let grading = try Row.fetchOne(db, sql: """
            SELECT id, submissionId, graderVersion, status, score, maxScore, recommendation, finishedAt
            FROM grading WHERE submissionId = ? ORDER BY finishedAt DESC, rowid DESC LIMIT 1
            """, arguments: [submissionID]).map(GradingSummary.init(row:))
        return SubmissionStatus(id: row["id"], challenge: row["challenge"], candidate: row["candidate"],
                                createdAt: row["createdAt"], ownerTokenID: row["ownerTokenId"], job: job, latestGrading: grading)
    }

    static func job(id: String, in db: Database) throws -> GradingJob? {
        try Row.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id]).map { row in
            GradingJob(id: row["id"], submissionID: row["submissionId"], kind: GradingJob.Kind(rawValue: row["kind"]) ?? .submission,
                       priority: row["priority"], state: GradingJob.State(rawValue: row["state"]) ?? .queued,
                       attempts: row["attempts"], leaseOwner: row["leaseOwner"], leaseExpiresAt: row["leaseExpiresAt"],
                       enqueuedAt: row["enqueuedAt"], compilingAt: row["compilingAt"], runningAt: row["runningAt"],
                       finishedAt: row["finishedAt"], checksDone: row["checksDone"], checksTotal: row["checksTotal"],
                       gradingID: row["gradingId"], lastError: row["lastError"], requestedBy: row["requestedBy"])
        }
    }

    /// Runs `body` in an IMMEDIATE transaction (the write lock taken at BEGIN, not at the first write).
    func writeImmediately<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }
}

extension GradingSummary {
    init(row: Row) {
        self.init(id: row["id"], submissionID: row["submissionId"], graderVersion: row["graderVersion"],
                  status: row["status"], score: row["score"], maxScore: row["maxScore"],
                  recommendation: row["recommendation"], finishedAt: row["finishedAt"])
    }
}
