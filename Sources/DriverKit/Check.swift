/// One check: an id and a body that drives the subject and throws ``CheckFailure`` to fail.
///
/// The body runs in the driver, outside the sandbox: it chooses the operations, sends them to the
/// subject (the candidate's process) and judges what comes back. Nothing it holds (its text,
/// expected values, operations not yet sent) ever reaches the subject's memory.
public struct Check: Sendable {
    public let id: String
    public let body: @Sendable (CheckContext) async throws -> Void

    public init(_ id: String, body: @escaping @Sendable (CheckContext) async throws -> Void) {
        self.id = id
        self.body = body
    }
}

/// A failed expectation. Its message says what was expected and what happened.
public struct CheckFailure: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Ends the check as `timeout` with the busy/blocked diagnosis measured from outside the subject:
/// a hang is a timeout, never a failure, so a deadlock does not raise a red flag meant for races.
public struct CheckTimeout: Error, CustomStringConvertible {
    /// What was running when the time ran out (for the message).
    public let what: String
    public init(_ what: String) { self.what = what }
    public var description: String { what }
}

/// The check cannot judge what it exists for, as the driver's own record shows (say, a check of
/// error recovery under contention whose round already breaks the rules without any fault: that
/// is a race, charged by the concurrency checks, and it would hide whether recovery works). Reported
/// as `skipped`: left out of its criterion's score, never a pass. Only a judgement of the driver's
/// tables may throw it, never anything the subject says of itself.
public struct CheckSkipped: Error, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }

    /// Runs `body`, a check's phase without the condition the check exists for (faults, say),
    /// and turns a hang there into a skip: `what` did not finish within the check's time, which
    /// the checks of that phase charge (a deadlock fails the storms), not this one.
    public static func ifHanging<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error where error is CheckTimeout || (error as? SubjectError).map(\.isTimeout) == true {
            throw CheckSkipped("\(what) did not finish within the check's time (a deadlock or livelock, charged by "
                + "the concurrent checks); what this check exists for cannot be judged apart from it")
        }
    }
}

/// The check could not be assessed for a reason that is the grader's, not the candidate's (say, a
/// storm in which no two operations overlapped): reported as `error`, so the grading is retried
/// and never counts against the candidate.
public struct NotAssessed: Error, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Fails the check with `message` unless `condition` holds.
public func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw CheckFailure(message()) }
}

/// Fails the check with "`what`: expected `expected`, got `actual`" unless the two are equal.
public func requireEqual<T: Equatable>(_ actual: T, _ expected: T, _ what: @autoclosure () -> String) throws {
    if actual != expected {
        throw CheckFailure("\(what()): expected \(describe(expected)), got \(describe(actual))")
    }
}

/// Renders a value for a message; `Optional.none` reads as `nil`, not `Optional(...)` noise.
public func describe<T>(_ value: T) -> String {
    if let optional = value as? any OptionalProtocol { return optional.driverDescription }
    return String(describing: value)
}

public protocol OptionalProtocol { var driverDescription: String { get } }
extension Optional: OptionalProtocol {
    public var driverDescription: String {
        switch self {
        case .none: "nil"
        case .some(let wrapped): describe(wrapped)
        }
    }
}
