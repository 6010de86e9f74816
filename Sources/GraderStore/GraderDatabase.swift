import Foundation
import GRDB
import GraderModel

/// The grader's SQLite database (WAL mode, `synchronous=FULL`, versioned migrations).
///
/// Writes that acknowledge something to a user (a submission, a grading) commit before they return.
public final class GraderDatabase: Sendable {
    public static let fileName = "grader.sqlite"

    let pool: DatabasePool
    public let path: String

    /// Opens `<dataDirectory>/grader.sqlite` and migrates it. With `create` false, a missing data
    /// directory or database is an error instead of being created (for commands that only read).
    public init(dataDirectory: URL, create: Bool = true) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        path = dataDirectory.appendingPathComponent(Self.fileName).path
        if manager.fileExists(atPath: dataDirectory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw StoreError.notADirectory(dataDirectory.path) }
        } else if create {
            try manager.createDirectory(at: dataDirectory, withIntermediateDirectories: true,
                                        attributes: [.posixPermissions: 0o700])
        }
        if !create && !manager.fileExists(atPath: path) { throw StoreError.missing(path) }
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        configuration.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            let migrator = Migrations.migrator
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) { throw StoreError.newerSchema(path) }
            try migrator.migrate(pool)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreError.unusable(path: path, reason: error.message ?? error.description)
        }
    }

    // MARK: Submissions

    /// Stores a new submission and its files in one transaction.
    public func insert(_ submission: StoredSubmission) throws {
        try pool.write { db in try Self.insert(submission, in: db) }
    }

    static func insert(_ submission: StoredSubmission, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO submission (id, challenge, candidate, createdAt, sha256, totalBytes, ownerTokenId)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [submission.id, submission.challenge, submission.candidate,
                             submission.createdAt, submission.sha256, submission.totalBytes, submission.ownerTokenID])
        for (position, file) in submission.files.enumerated() {
            try db.execute(sql: """
                INSERT INTO submissionFile (submissionId, position, name, content, sha256) VALUES (?, ?, ?, ?, ?)
                """, arguments: [submission.id, position, file.name, file.content, file.sha256])
        }
    }

    /// How many submissions are stored.
    public func submissionCount() throws -> Int {
        try pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM submission") ?? 0 }
    }

    /// SQLite's own consistency check of the file: `["ok"]` when it is intact.
    public func integrityCheck() throws -> [String] {
        try pool.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
    }

    public func submission(id: String) throws -> StoredSubmission? {
        try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM submission WHERE id = ?", arguments: [id]) else {
                return nil
            }
            let files = try Row.fetchAll(db, sql: """
                SELECT name, content, sha256 FROM submissionFile WHERE submissionId = ? ORDER BY position
                """, arguments: [id]).map { StoredSubmission.File(name: $0["name"], content: $0["content"], sha256: $0["sha256"]) }
            return StoredSubmission(id: row["id"], challenge: row["challenge"], candidate: row["candidate"],
                                    createdAt: row["createdAt"], sha256: row["sha256"], files: files,
                                    ownerTokenID: row["ownerTokenId"])
        }
    }

    // MARK: Gradings

    /// Stores a finished grading (its report, check results, criterion scores, red flags) in one
    /// transaction. Gradings are never overwritten: a regrade is a new row.
    public func insert(_ report: GradingReport) throws {
        try pool.write { db in try Self.insert(report, jobID: nil, in: db) }
    }

    static func insert(_ report: GradingReport, jobID: String?, in db: Database) throws {
        let json = String(decoding: try report.jsonData(), as: UTF8.self)
        let encoder = JSONEncoder()
        try db.execute(sql: """
            INSERT INTO grading (id, submissionId, graderVersion, status, score, maxScore, manualPending,
                recommendation, attempts, startedAt, finishedAt, queueMs, compileMs, checksMs, raceMs, totalMs, report, jobId)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                report.grading.id, report.submission.id, report.graderVersion, report.status.rawValue,
                report.score, report.maxScore, report.manualPending, report.recommendation.rawValue,
                report.grading.attempts, report.grading.startedAt, report.grading.finishedAt,
                report.timings.queueMs, report.timings.compileMs, report.timings.checksMs,
                report.timings.raceMs, report.timings.totalMs, json, jobID,
            ])
        for check in report.checks {
            try db.execute(sql: """
                INSERT INTO checkResult (gradingId, checkId, title, visibility, status, durationMs, message, evidence, output)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [report.grading.id, check.id, check.title, check.visibility.rawValue,
                                 check.status.rawValue, check.durationMs, check.message,
                                 String(decoding: try encoder.encode(check.evidence), as: UTF8.self), check.output])
        }
        for criterion in report.criteria {
            try db.execute(sql: """
                INSERT INTO criterionScore (gradingId, criterionId, category, kind, points, maxPoints) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [report.grading.id, criterion.id.rawValue, criterion.category,
                                 criterion.kind.rawValue, criterion.points, criterion.maxPoints])
        }
        for flag in report.redFlags {
            try db.execute(sql: "INSERT INTO redFlag (gradingId, flagId, message) VALUES (?, ?, ?)",
                           arguments: [report.grading.id, flag.id.rawValue, flag.message])
        }
    }

    /// The stored report of one grading.
    public func report(gradingID: String) throws -> GradingReport? {
        let json = try pool.read { db in
            try String.fetchOne(db, sql: "SELECT report FROM grading WHERE id = ?", arguments: [gradingID])
        }
        return try json.map { try decodeReport($0, gradingID: gradingID) }
    }

    /// The most recent grading's report for a submission.
    public func latestReport(submissionID: String) throws -> GradingReport? {
        let row = try pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT id, report FROM grading WHERE submissionId = ? ORDER BY finishedAt DESC, rowid DESC LIMIT 1
                """, arguments: [submissionID])
        }
        guard let row else { return nil }
        return try decodeReport(row["report"], gradingID: row["id"])
    }

    /// Every grading of a submission, oldest first.
    public func gradings(submissionID: String) throws -> [GradingSummary] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, submissionId, graderVersion, status, score, maxScore, recommendation, finishedAt
                FROM grading WHERE submissionId = ? ORDER BY finishedAt, rowid
                """, arguments: [submissionID]).map(GradingSummary.init(row:))
        }
    }

    func decodeReport(_ json: String, gradingID: String) throws -> GradingReport {
        do {
            return try GradingReport.decode(Data(json.utf8))
        } catch {
            throw StoreError.corruptReport(gradingID: gradingID, reason: "\(error)")
        }
    }
}

public enum StoreError: Error, CustomStringConvertible, Equatable {
    case notADirectory(String)
    case missing(String)
    case newerSchema(String)
    case unusable(path: String, reason: String)
    case corruptReport(gradingID: String, reason: String)

    public var description: String {
        switch self {
        case .notADirectory(let path): "the data directory \(path) exists but is not a directory"
        case .missing(let path): "there is no database at \(path) (check --data-dir or GRADER_DATA_DIR)"
        case .newerSchema(let path): "the database \(path) was written by a newer grader; refusing to use it"
        case .unusable(let path, let reason): "the database \(path) cannot be used: \(reason)"
        case .corruptReport(let id, let reason): "the stored report of grading \(id) cannot be read: \(reason)"
        }
    }
}
