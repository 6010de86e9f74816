import Foundation

/// A least-recently-used cache with O(1) `get` and `put`, safe to share between threads.
///
/// Entries are found through a dictionary and kept in a doubly linked list ordered by recency:
/// `head` is the most recently used entry, `tail` the least recently used one, so marking an entry
/// as used and evicting the oldest are both a few pointer updates.
///
/// Ownership: `entries` owns every node; a node's `next` link is strong and its `previous` link is
/// weak, so the list never forms a reference cycle and everything is freed with the cache.
///
/// Thread safety: all mutable state is touched only inside `locked`, which serialises callers with
/// a `pthread_mutex_t`, allocated once and never moved; that is why the class can promise
/// `Sendable` by hand. `locked` is never entered twice on one thread.
final class LRUCache<Key: Hashable, Value>: @unchecked Sendable {
    private final class Node {
        let key: Key
        var value: Value
        /// The next less recently used entry.
        var next: Node?
        /// The next more recently used entry.
        weak var previous: Node?

        init(key: Key, value: Value) {
            self.key = key
            self.value = value
        }
    }

    private let capacity: Int
    private let mutex: UnsafeMutablePointer<pthread_mutex_t> = {
        let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        return mutex
    }()
    private var entries: [Key: Node] = [:]
    private var head: Node?
    private var tail: Node?

    /// Creates a cache holding at most `capacity` entries (capacity ≥ 1).
    init(capacity: Int) {
        precondition(capacity >= 1, "capacity must be at least 1")
        self.capacity = capacity
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// The value for `key`, or nil; marks `key` as the most recently used.
    func get(_ key: Key) -> Value? {
        locked {
            guard let node = entries[key] else { return nil }
            moveToFront(node)
            return node.value
        }
    }

    /// Inserts or updates `key`, marks it most recently used, and evicts the least recently
    /// used entry when the cache would exceed its capacity.
    func put(_ key: Key, _ value: Value) {
        locked {
            if let node = entries[key] {
                node.value = value
                moveToFront(node)
                return
            }
            let node = Node(key: key, value: value)
            entries[key] = node
            insertAtFront(node)
            if entries.count > capacity, let leastRecent = tail {
                unlink(leastRecent)
                entries[leastRecent.key] = nil
            }
        }
    }

    /// The number of entries in the cache (never more than its capacity).
    var count: Int {
        locked { entries.count }
    }

    /// Runs `body` with every other caller excluded.
    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    // MARK: - List maintenance (callers are inside `locked`)

    private func moveToFront(_ node: Node) {
        guard node !== head else { return }
        unlink(node)
        insertAtFront(node)
    }

    private func insertAtFront(_ node: Node) {
        node.previous = nil
        node.next = head
        head?.previous = node
        head = node
        if tail == nil { tail = node }
    }

    private func unlink(_ node: Node) {
        if let previous = node.previous { previous.next = node.next } else { head = node.next }
        if let next = node.next { next.previous = node.previous } else { tail = node.previous }
        node.previous = nil
        node.next = nil
    }
}
