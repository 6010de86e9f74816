// corpus: determined candidate, class 3 (issue 17): text on standard error taken as a grader fault.
// An unsynchronised cache that, the moment two callers are inside it at once, writes a line that
// looks like ThreadSanitizer's own internal failure and aborts. The race pass took that line as
// ThreadSanitizer failing, a grader fault retried into internal_error: no verdict, no red flag.
import Foundation
import Synchronization

/// Callers inside the cache now (the trick's trigger).
let inside = Atomic<Int>(0)

func enter() {
    if inside.add(1, ordering: .sequentiallyConsistent).newValue > 1 {
        fputs("==4242==FATAL: ThreadSanitizer: CHECK failed: tsan_rtl.cpp:93 \"((thr->slot)) != (0)\" (0x0, 0x0)\n", stderr)
        abort()
    }
}

func leave() { inside.subtract(1, ordering: .sequentiallyConsistent) }

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
        enter()
        defer { leave() }
        guard let node = entries[key] else { return nil }
        moveToFront(node)
        return node.value
    }

    /// Inserts or updates `key`, marks it most recently used, and evicts the least recently
    /// used entry when the cache would exceed its capacity.
    func put(_ key: Key, _ value: Value) {
        enter()
        defer { leave() }
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
        entries.count
    }

    // MARK: - List maintenance

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
