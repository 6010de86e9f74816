/// The trusted model the differential check compares a cache with: an LRU cache of `Int` to `Int`
/// with O(1) `get` and `put`, single-threaded, written for obviousness.
///
/// Entries live in parallel arrays indexed by slot; `previous`/`next` link the slots in recency
/// order (`head` most recent, `tail` least recent, -1 for none), and `slots` maps a key to its slot.
/// A full cache reuses the evicted entry's slot, so slots never exceed the capacity.
struct ReferenceLRUModel {
    let capacity: Int
    private var slots: [Int: Int] = [:]
    private var keys: [Int] = []
    private var values: [Int] = []
    private var previous: [Int] = []
    private var next: [Int] = []
    private var head = -1
    private var tail = -1

    init(capacity: Int) {
        precondition(capacity >= 1)
        self.capacity = capacity
    }

    var count: Int { slots.count }

    func contains(_ key: Int) -> Bool { slots[key] != nil }

    /// The key that the next insertion of a new key would evict, if the model is full.
    var leastRecentlyUsed: Int? { tail >= 0 ? keys[tail] : nil }

    mutating func get(_ key: Int) -> Int? {
        guard let slot = slots[key] else { return nil }
        moveToFront(slot)
        return values[slot]
    }

    mutating func put(_ key: Int, _ value: Int) {
        if let slot = slots[key] {
            values[slot] = value
            moveToFront(slot)
            return
        }
        let slot: Int
        if slots.count == capacity {
            slot = tail
            unlink(slot)
            slots[keys[slot]] = nil
            keys[slot] = key
            values[slot] = value
        } else {
            slot = keys.count
            keys.append(key)
            values.append(value)
            previous.append(-1)
            next.append(-1)
        }
        slots[key] = slot
        linkAtFront(slot)
    }

    /// Keys from most to least recently used (for evidence; O(n)).
    var recencyOrder: [Int] {
        var order: [Int] = []
        var slot = head
        while slot >= 0 {
            order.append(keys[slot])
            slot = next[slot]
        }
        return order
    }

    private mutating func moveToFront(_ slot: Int) {
        guard slot != head else { return }
        unlink(slot)
        linkAtFront(slot)
    }

    private mutating func linkAtFront(_ slot: Int) {
        previous[slot] = -1
        next[slot] = head
        if head >= 0 { previous[head] = slot }
        head = slot
        if tail < 0 { tail = slot }
    }

    private mutating func unlink(_ slot: Int) {
        let before = previous[slot]
        let after = next[slot]
        if before >= 0 { next[before] = after } else { head = after }
        if after >= 0 { previous[after] = before } else { tail = before }
        previous[slot] = -1
        next[slot] = -1
    }
}
