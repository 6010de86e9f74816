/// Carries a value across threads without a `Sendable` proof.
///
/// `@unchecked Sendable` is the point here: checks deliberately share the candidate's object
/// between threads to find out whether it is safe to share. Nothing else in the kit uses this box.
public struct UncheckedSendableBox<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
