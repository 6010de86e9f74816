import Foundation
import GRDB

extension GraderDatabase {
    static func insert(_ event: OutboxEvent, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO outbox (id, type, payload, createdAt, attempts, nextAttemptAt, deliveredAt, lastError)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [event.id, event.type, event.payload, event.createdAt, event.attempts, event.nextAttemptAt,
                             event.deliveredAt, event.lastError])
    }

    public func dueEvents(at: Date, limit: Int) throws -> [OutboxEvent] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM outbox WHERE deliveredAt IS NULL AND nextAttemptAt <= ? ORDER BY nextAttemptAt, rowid LIMIT ?
                """, arguments: [at, limit]).map(Self.event)
        }
    }

    public func outboxEvents() throws -> [OutboxEvent] {
        try pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM outbox ORDER BY createdAt, rowid").map(Self.event) }
    }

    public func markDelivered(eventID: String, at: Date) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE outbox SET deliveredAt = ?, attempts = attempts + 1, lastError = NULL WHERE id = ? AND deliveredAt IS NULL",
                           arguments: [at, eventID])
        }
    }

    public func rescheduleEvent(eventID: String, attempts: Int, nextAttemptAt: Date, error: String) throws {
        try pool.write { db in
            try db.execute(sql: """
                UPDATE outbox SET attempts = ?, nextAttemptAt = ?, lastError = ? WHERE id = ? AND deliveredAt IS NULL
                """, arguments: [attempts, nextAttemptAt, error, eventID])
        }
    }

    private static func event(_ row: Row) -> OutboxEvent {
        OutboxEvent(id: row["id"], type: row["type"], payload: row["payload"], createdAt: row["createdAt"],
                    attempts: row["attempts"], nextAttemptAt: row["nextAttemptAt"], deliveredAt: row["deliveredAt"],
                    lastError: row["lastError"])
    }
}
