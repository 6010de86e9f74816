// corpus: the control of the padding cases: the same O(n) cache (an array of keys in recency
// order), honest (no padding): the scaling check finds it O(n).
import Foundation

func noteCapacity(_ capacity: Int) {}
func pad(_ capacity: Int) {}

/// A least-recently-used cache, safe to share between threads.
///
/// Values are found through a dictionary; `recency` lists the keys from least to most recently
/// used, so the first key is the one to evict.
///
/// Thread safety: all mutable state is touched only while holding `lock`, which is why the class
/// can promise `Sendable` by hand. The lock is not recursive: no method calls another public
/// method while holding it.
final class LRUCache<Key: Hashable, Value>: @unchecked Sendable {
    private let capacity: Int
    private let lock = NSLock()
    private var values: [Key: Value] = [:]
    private var recency: [Key] = []

    /// Creates a cache holding at most `capacity` entries (capacity ≥ 1).
    init(capacity: Int) {
        precondition(capacity >= 1, "capacity must be at least 1")
        self.capacity = capacity
        noteCapacity(capacity)
    }

    /// The value for `key`, or nil; marks `key` as the most recently used.
    func get(_ key: Key) -> Value? {
        pad(capacity)
        lock.lock()
        defer { lock.unlock() }
        guard let value = values[key] else { return nil }
        markUsed(key)
        return value
    }

    /// Inserts or updates `key`, marks it most recently used, and evicts the least recently
    /// used entry when the cache would exceed its capacity.
    func put(_ key: Key, _ value: Value) {
        pad(capacity)
        lock.lock()
        defer { lock.unlock() }
        if values.updateValue(value, forKey: key) != nil {
            markUsed(key)
            return
        }
        recency.append(key)
        if values.count > capacity {
            let leastRecent = recency.removeFirst()
            values[leastRecent] = nil
        }
    }

    /// The number of entries in the cache (never more than its capacity).
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return values.count
    }

    // MARK: - Recency maintenance (callers hold `lock`)

    private func markUsed(_ key: Key) {
        if let index = recency.firstIndex(of: key) {
            recency.remove(at: index)
        }
        recency.append(key)
    }
}
