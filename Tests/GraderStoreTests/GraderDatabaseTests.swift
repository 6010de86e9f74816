import Foundation
import GraderModel
@testable import GraderStore
import GRDB
import Testing

@Suite final class GraderDatabaseTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")

    deinit { try? FileManager.default.removeItem(at: directory) }

    func submission(id: String = Identifier.make(prefix: "sub")) -> StoredSubmission {
        StoredSubmission(id: id, challenge: "lru-cache", candidate: "ada", createdAt: Date(timeIntervalSince1970: 1_700_000_000),
                         sha256: String(repeating: "c", count: 64),
                         files: [.init(name: "B.swift", content: Data("let b = 2".utf8), sha256: "bb"),
                                 .init(name: "A.swift", content: Data("let a = 1".utf8), sha256: "aa")])
    }

    func report(for submission: StoredSubmission, gradingID: String = Identifier.make(prefix: "grd"),
                finishedAt: Date = Date(timeIntervalSince1970: 1_700_000_100), score: Double = 70) -> GradingReport {
        GradingReport(
            submission: .init(id: submission.id, candidate: submission.candidate, submittedAt: submission.createdAt,
                              sha256: submission.sha256, files: []),
            challenge: "lru-cache",
            grading: .init(id: gradingID, startedAt: finishedAt.addingTimeInterval(-5), finishedAt: finishedAt, attempts: 1),
            graderVersion: "0.1.0+test", status: .graded, score: score, maxScore: 85, manualPending: 15,
            recommendation: .borderline, recommendationReasons: [],
            criteria: [.init(CriterionScore(id: .scalabilityCaching, kind: .auto, points: 30, maxPoints: 30, essential: true,
                                            checks: [], explanation: "full marks"))],
            checks: [.init(CheckOutcome(id: "eviction-order", title: "t", visibility: .hidden, status: .fail, durationMs: 12,
                                        message: "expected nil", evidence: ["e1"]), criteria: [.scalabilityCaching])],
            redFlags: [RaisedRedFlag(id: .noConcurrencyHandling, message: "lost updates", checks: ["storm"])],
            diagnostics: .init(), timings: .init(compileMs: 1, checksMs: 2, totalMs: 3), error: nil)
    }

    @Test func opensInWALModeAndMigrates() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        let queue = try DatabaseQueue(path: database.path)
        let mode = try queue.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let tables = try queue.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
        for table in ["submission", "submissionFile", "grading", "checkResult", "criterionScore", "redFlag", "grdb_migrations"] {
            #expect(tables.contains(table))
        }
        // Reopening an up-to-date database is fine.
        _ = try GraderDatabase(dataDirectory: directory)
    }

    @Test func submissionsRoundTripWithFilesInOrder() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        let stored = submission()
        try database.insert(stored)
        #expect(try database.submission(id: stored.id) == stored)
        #expect(try database.submission(id: "sub_missing") == nil)
    }

    @Test func submissionsAndGradingsAreImmutable() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        let stored = submission()
        try database.insert(stored)
        try database.insert(report(for: stored))
        let queue = try DatabaseQueue(path: database.path)
        for sql in ["UPDATE submission SET candidate = 'mallory'", "DELETE FROM submission",
                    "UPDATE submissionFile SET content = x'00'", "UPDATE grading SET score = 100",
                    "DELETE FROM grading", "UPDATE checkResult SET status = 'pass'", "UPDATE criterionScore SET points = 30",
                    "DELETE FROM redFlag"] {
            #expect(throws: DatabaseError.self, "\(sql)") { try queue.write { try $0.execute(sql: sql) } }
        }
        #expect(try database.submission(id: stored.id)?.candidate == "ada")
    }

    @Test func aDuplicateSubmissionIDStoresNothingNew() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        let stored = submission()
        try database.insert(stored)
        var other = submission(id: stored.id)
        other.candidate = "eve"
        #expect(throws: DatabaseError.self) { try database.insert(other) }
        #expect(try database.submission(id: stored.id)?.candidate == "ada")
    }

    @Test func gradingsAreStoredWithTheirRowsAndNeverOverwritten() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        let stored = submission()
        try database.insert(stored)
        let first = report(for: stored, score: 40)
        let second = report(for: stored, finishedAt: Date(timeIntervalSince1970: 1_700_000_500), score: 85)
        try database.insert(first)
        try database.insert(second)
        #expect(try database.report(gradingID: first.grading.id) == first)
        #expect(try database.latestReport(submissionID: stored.id) == second)
        #expect(try database.gradings(submissionID: stored.id).map(\.score) == [40, 85])
        let queue = try DatabaseQueue(path: database.path)
        let rows = try queue.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM checkResult")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM criterionScore")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM redFlag")!)
        }
        #expect(rows == (2, 2, 2))
    }

    @Test func aGradingForAnUnknownSubmissionIsRefused() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        #expect(throws: DatabaseError.self) { try database.insert(report(for: submission())) }
    }

    @Test func aDatabaseFromANewerGraderIsRefused() throws {
        _ = try GraderDatabase(dataDirectory: directory)
        let queue = try DatabaseQueue(path: directory.appendingPathComponent(GraderDatabase.fileName).path)
        try queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99: from the future')") }
        #expect(throws: StoreError.newerSchema(directory.appendingPathComponent(GraderDatabase.fileName).path)) {
            try GraderDatabase(dataDirectory: directory)
        }
    }

    @Test func aCorruptDatabaseFileGivesAClearError() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 8192).write(to: directory.appendingPathComponent(GraderDatabase.fileName))
        #expect { try GraderDatabase(dataDirectory: directory) } throws: { error in
            guard case StoreError.unusable(_, let reason) = error else { return false }
            return reason.contains("not a database")
        }
    }

    @Test func readersDoNotCreateADatabase() throws {
        let path = directory.appendingPathComponent(GraderDatabase.fileName).path
        #expect(throws: StoreError.missing(path)) { try GraderDatabase(dataDirectory: directory, create: false) }
        #expect(!FileManager.default.fileExists(atPath: directory.path))
        _ = try GraderDatabase(dataDirectory: directory)
        _ = try GraderDatabase(dataDirectory: directory, create: false)
    }

    @Test func aFileWhereTheDirectoryShouldBeIsRefused() throws {
        try FileManager.default.createDirectory(at: directory.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: StoreError.notADirectory(directory.path)) { try GraderDatabase(dataDirectory: directory) }
    }

    @Test func aTamperedReportIsReportedNotReturned() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        let stored = submission()
        try database.insert(stored)
        let graded = report(for: stored)
        try database.insert(graded)
        let queue = try DatabaseQueue(path: database.path)
        try queue.write { db in
            try db.execute(sql: "DROP TRIGGER grading_immutable_update")
            try db.execute(sql: "UPDATE grading SET report = '{not json'")
        }
        #expect { try database.report(gradingID: graded.grading.id) } throws: { error in
            if case StoreError.corruptReport = error { return true }
            return false
        }
    }
}
