import Wire

/// A challenge's side of the subject: performs the driver's requests on the candidate's code.
///
/// It knows nothing of any check: it is sent an operation and its arguments, runs them against
/// the candidate's types, and encodes what the candidate's code answered. What the candidate's
/// code answers (a value, a thrown error of the contract) is part of the answer; throwing from
/// `perform` means the request itself could not be performed (the grader's fault: the driver
/// reports it as an `error` and the grading is retried).
public protocol SubjectHandler: Sendable {
    func perform(_ operation: String, _ arguments: inout WireReader) async throws -> [UInt8]
}

/// A request the handler does not understand.
public struct UnknownOperation: Error, CustomStringConvertible {
    public let operation: String
    public init(_ operation: String) { self.operation = operation }
    public var description: String { "the subject has no operation named \(operation)" }
}
