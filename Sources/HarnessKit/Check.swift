/// One hidden or public check: an id and a body that throws ``CheckFailure`` to fail.
///
/// A check runs alone in its own process (the pipeline starts one process per check), so a body
/// may crash, hang or leak without affecting any other check.
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
    if let optional = value as? any OptionalProtocol { return optional.harnessDescription }
    return String(describing: value)
}

public protocol OptionalProtocol { var harnessDescription: String { get } }
extension Optional: OptionalProtocol {
    public var harnessDescription: String {
        switch self {
        case .none: "nil"
        case .some(let wrapped): describe(wrapped)
        }
    }
}
