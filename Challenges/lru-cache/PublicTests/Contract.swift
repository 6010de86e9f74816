import HarnessKit

/// The shape every check drives: the contract of `LRUCache` as a protocol.
///
/// The grader adds this conformance to your `LRUCache` for you, in a file of its own; if your
/// declarations do not match the contract, that conformance fails to compile and the report says
/// `contract_mismatch` with the compiler's message.
public protocol LRUCacheUnderTest<Key, Value>: AnyObject {
    associatedtype Key: Hashable
    associatedtype Value
    func get(_ key: Key) -> Value?
    func put(_ key: Key, _ value: Value)
    var count: Int { get }
}

/// Creates caches under test; the grader's adapter implements it with `LRUCache(capacity:)`.
public protocol LRUCacheMaker: Sendable {
    func make<Key: Hashable, Value>(capacity: Int) -> any LRUCacheUnderTest<Key, Value>
}
