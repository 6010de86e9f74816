import HarnessKit

/// A long seeded run of mixed operations, compared step by step with ``ReferenceLRUModel``.
public enum LRUDifferentialChecks {
    /// Capacities run in order; each gets `operationsPerCapacity` operations.
    static let capacities = [1, 2, 7, 64, 1_000]
    static let operationsPerCapacity = 100_000
    static let baseSeed: UInt64 = 0x5EED_1A2B_3C4D_0001

    public static func checks(_ maker: some LRUCacheMaker) -> [Check] {
        [
            Check("differential-model") { context in
                for capacity in capacities {
                    let seed = baseSeed &+ UInt64(capacity)
                    let cache: any LRUCacheUnderTest<Int, Int> = maker.make(capacity: capacity)
                    try compare(cache, capacity: capacity, seed: seed, operations: operationsPerCapacity, context: context)
                    context.note("capacity \(capacity), seed \(seed): \(operationsPerCapacity) operations agreed with the model")
                }
            },
        ]
    }

    /// Runs `operations` seeded operations on `cache` and the model, comparing every `get` result
    /// and the count after every operation; throws at the first divergence.
    static func compare(_ cache: any LRUCacheUnderTest<Int, Int>, capacity: Int, seed: UInt64,
                        operations: Int, context: CheckContext) throws {
        var model = ReferenceLRUModel(capacity: capacity)
        var generator = SeededGenerator(seed: seed)
        var recent = RecentOperations(keep: 10)
        // Keys come from a space about twice the capacity (so gets hit and miss and puts both
        // insert and update), or from the last few keys touched (so recency refreshes matter).
        let keySpace = UInt64(2 * capacity + 2)
        var lastKeys = [Int](repeating: 0, count: 8)
        // key → (operation index, key put) of the put that last evicted it, for messages.
        var evictions: [Int: (index: Int, by: Int)] = [:]

        func diverged(_ index: Int, _ what: String) -> CheckFailure {
            context.note("differential run: capacity \(capacity), seed \(seed), diverged at operation #\(index)")
            context.note("the operations before it, oldest first:")
            for line in recent.lines { context.note("  \(line)") }
            let order = model.recencyOrder
            context.note("the model's keys, most to least recently used: \(order.prefix(12).map(String.init).joined(separator: ", "))"
                + (order.count > 12 ? ", … (\(order.count) in all)" : ""))
            let tail = recent.lines.suffix(6).joined(separator: "; ")
            return CheckFailure("differential run against a reference LRU model (capacity \(capacity), seed \(seed)): "
                + "at operation #\(index), \(what). Last operations: \(tail)")
        }

        for index in 0..<operations {
            let draw = generator.next()
            let key: Int
            if draw & 0b11 == 0 {
                key = lastKeys[Int((draw >> 2) & 7)]
            } else {
                key = Int((draw >> 8) % keySpace)
            }
            lastKeys[index & 7] = key
            if (draw >> 5) & 1 == 0 {
                let expected = model.get(key)
                let actual = cache.get(key)
                recent.append("get(\(key)) → \(describe(actual))" + (actual == expected ? "" : " (model: \(describe(expected)))"))
                if actual != expected {
                    let why: String
                    if expected == nil, let eviction = evictions[key] {
                        why = "operation #\(eviction.index), put(\(eviction.by), …), evicted \(key) as the least recently used key"
                    } else if expected == nil {
                        why = "\(key) was never put"
                    } else if actual == nil {
                        why = "\(key) should still be present: it is among the \(capacity) most recently used keys"
                    } else {
                        why = "the last put(\(key), …) stored \(expected!)"
                    }
                    throw diverged(index, "get(\(key)) returned \(describe(actual)); expected \(describe(expected)) (\(why))")
                }
            } else {
                let value = index
                let evicts = model.count == capacity && !model.contains(key) ? model.leastRecentlyUsed : nil
                model.put(key, value)
                cache.put(key, value)
                if let evicted = evicts { evictions[evicted] = (index, key) }
                recent.append("put(\(key), \(value))" + (evicts.map { " evicts \($0)" } ?? ""))
            }
            let expectedCount = model.count
            let count = cache.count
            if count != expectedCount {
                throw diverged(index, "count is \(count); expected \(expectedCount)")
            }
        }
    }
}
