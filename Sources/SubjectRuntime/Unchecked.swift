/// Carries a value across threads without a `Sendable` proof.
///
/// `@unchecked Sendable` is the point here: the subject deliberately shares the candidate's
/// object between threads to find out whether it is safe to share. Nothing else uses this box.
public struct Unchecked<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
