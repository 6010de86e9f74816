// lru-cache: implement an LRU cache with O(1) get and put, safe to share between threads.
// Read README.md for the full contract and rules. This starter compiles and fails the checks.

final class LRUCache<Key: Hashable, Value> {
    /// Creates a cache holding at most `capacity` entries (capacity ≥ 1).
    init(capacity: Int) {
        precondition(capacity >= 1, "capacity must be at least 1")
    }

    /// The value for `key`, or nil; marks `key` as the most recently used.
    func get(_ key: Key) -> Value? {
        nil // TODO
    }

    /// Inserts or updates `key`, marks it most recently used, and evicts the least recently
    /// used entry when the cache would exceed its capacity.
    func put(_ key: Key, _ value: Value) {
        // TODO
    }

    /// The number of entries in the cache (never more than its capacity).
    var count: Int {
        0 // TODO
    }
}
