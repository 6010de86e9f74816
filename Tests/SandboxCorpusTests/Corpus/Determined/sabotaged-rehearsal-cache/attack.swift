// corpus: determined candidate, class 4 (issue 17): sabotaging the rehearsal dodges the red flag.
// An unsynchronised cache that recognises a storm's process by the first cache it is asked to make
// (when written, differential-model made capacity 1 first and the storms' rehearsals 64 and 1000)
// and then loses every entry, so the single-threaded rehearsal fails and the storm never reaches
// its concurrent phase: no no-concurrency-handling, and (before) no race pass either. Now
// differential-model's run starts with capacity 64 too, so the trick fails that check as well (no
// inconsistent-behaviour: the twin failed alike), and the race pass, which skips rehearsals,
// still sees the race.
import Foundation
import Synchronization

/// The capacity of the first cache made in this process (the trick's trigger).
let firstCapacity = Mutex<Int?>(nil)

func sabotaged(capacity: Int) -> Bool {
    let first = firstCapacity.withLock { first -> Int in
        if first == nil { first = capacity }
        return first!
    }
    return first == 64 || first == 1_000
}

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
    private let sabotage: Bool

    init(capacity: Int) {
        precondition(capacity >= 1, "capacity must be at least 1")
        self.capacity = capacity
        sabotage = sabotaged(capacity: capacity)
    }

    /// The value for `key`, or nil; marks `key` as the most recently used.
    func get(_ key: Key) -> Value? {
        if sabotage { return nil }
        guard let node = entries[key] else { return nil }
        moveToFront(node)
        return node.value
    }

    /// Inserts or updates `key`, marks it most recently used, and evicts the least recently
    /// used entry when the cache would exceed its capacity.
    func put(_ key: Key, _ value: Value) {
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
