// corpus: whole submission
import Foundation
import Glibc
import Synchronization

// The reference cache, except that only the first threads that ever call it, as many as the
// machine has cores, are served (the subject runtime's requests run on Swift's cooperative pool,
// one thread per core; a storm's 8 threads come later): any other thread's get
// misses and its put is dropped. Single-threaded work (the rehearsals, the checks of the state a
// storm left) sees a correct cache; a storm's threads see a cache that never races because it
// never works, and that answers every get with "absent", which an evicting cache may always say.
// The storm's hit share must catch it (and lost updates must, since the puts are dropped).
enum OwnThread {
    static let served = Mutex<[pthread_t]>([])

    static func isFirst() -> Bool {
        let me = pthread_self()
        return served.withLock { served in
            if served.contains(where: { pthread_equal($0, me) != 0 }) { return true }
            if served.count < ProcessInfo.processInfo.activeProcessorCount { served.append(me); return true }
            return false
        }
    }
}

/// A least-recently-used cache with O(1) `get` and `put`, safe to share between threads.
///
/// Entries are found through a dictionary and kept in a doubly linked list ordered by recency:
/// `head` is the most recently used entry, `tail` the least recently used one, so marking an entry
/// as used and evicting the oldest are both a few pointer updates.
///
/// Ownership: `entries` owns every node; a node's `next` link is strong and its `previous` link is
/// weak, so the list never forms a reference cycle and everything is freed with the cache.
///
/// Thread safety: all mutable state is touched only while holding `lock`, which is why the class
/// can promise `Sendable` by hand. The lock is not recursive: no method calls another public
/// method while holding it.
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
    private let lock = NSLock()
    private var entries: [Key: Node] = [:]
    private var head: Node?
    private var tail: Node?

    /// Creates a cache holding at most `capacity` entries (capacity ≥ 1).
    init(capacity: Int) {
        precondition(capacity >= 1, "capacity must be at least 1")
        self.capacity = capacity
    }

    /// The value for `key`, or nil; marks `key` as the most recently used.
    func get(_ key: Key) -> Value? {
        if !OwnThread.isFirst() { return nil }
        lock.lock()
        defer { lock.unlock() }
        guard let node = entries[key] else { return nil }
        moveToFront(node)
        return node.value
    }

    /// Inserts or updates `key`, marks it most recently used, and evicts the least recently
    /// used entry when the cache would exceed its capacity.
    func put(_ key: Key, _ value: Value) {
        if !OwnThread.isFirst() { return }
        lock.lock()
        defer { lock.unlock() }
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

    /// The number of entries in the cache (never more than its capacity).
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }

    // MARK: - List maintenance (callers hold `lock`)

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
