import HarnessKit

/// Drives a cache of `Int` to `String` and keeps a transcript, so a failure can say exactly which
/// operations led to it.
final class ScriptedCache {
    let cache: any LRUCacheUnderTest<Int, String>
    let capacity: Int
    private var steps: [String] = []

    init(_ maker: some LRUCacheMaker, capacity: Int) {
        self.capacity = capacity
        cache = maker.make(capacity: capacity)
    }

    /// The value the checks store for `key`.
    static func value(_ key: Int) -> String { "v\(key)" }

    func put(_ key: Int, _ value: String? = nil) {
        let value = value ?? Self.value(key)
        cache.put(key, value)
        steps.append("put(\(key), \"\(value)\")")
    }

    /// Runs `body` on the bare cache and records it as one summarised step.
    func perform(_ summary: String, _ body: (any LRUCacheUnderTest<Int, String>) -> Void) {
        body(cache)
        steps.append(summary)
    }

    @discardableResult
    func get(_ key: Int) -> String? {
        defer { steps.append("get(\(key))") }
        return cache.get(key)
    }

    /// "after put(1, "v1"), put(2, "v2"), get(1) at capacity 2".
    var history: String {
        let shown: [String]
        if steps.count > 14 {
            shown = steps.prefix(5) + ["… \(steps.count - 11) more …"] + steps.suffix(6)
        } else {
            shown = steps
        }
        return steps.isEmpty ? "on a new cache of capacity \(capacity)"
            : "after " + shown.joined(separator: ", ") + " at capacity \(capacity)"
    }

    /// Fails unless `get(key)` returns `expected`; `reason` says why that is expected.
    func expect(_ key: Int, _ expected: String?, _ reason: String) throws {
        let context = history
        let actual = get(key)
        if actual != expected {
            throw CheckFailure("\(context), get(\(key)) returned \(quoted(actual)); expected \(quoted(expected)) (\(reason))")
        }
    }

    func expectCount(_ expected: Int, _ reason: String) throws {
        let actual = cache.count
        if actual != expected {
            throw CheckFailure("\(history), count is \(actual); expected \(expected) (\(reason))")
        }
    }

    private func quoted(_ value: String?) -> String { value.map { "\"\($0)\"" } ?? "nil" }
}

/// Single-threaded LRU semantics: eviction order, recency refresh by `get` and `put`, updates,
/// capacity 1.
public enum LRUEvictionChecks {
    public static func checks(_ maker: some LRUCacheMaker) -> [Check] {
        [
            Check("eviction-order") { _ in
                let small = ScriptedCache(maker, capacity: 3)
                for key in 1...3 { small.put(key) }
                try small.expectCount(3, "three distinct keys fit in capacity 3")
                // Each new key evicts the oldest insertion; only absent keys are read, which must
                // not change the order.
                for key in 4...6 {
                    small.put(key)
                    try small.expect(key - 3, nil, "\(key - 3) was the least recently used entry when \(key) was added")
                    try small.expectCount(3, "the cache stays full at its capacity")
                }
                for key in 4...6 { try small.expect(key, ScriptedCache.value(key), "\(key) is among the 3 most recent puts") }

                let large = ScriptedCache(maker, capacity: 100)
                large.perform("put(k, \"vk\") for k in 0..<250") { cache in
                    for key in 0..<250 { cache.put(key, ScriptedCache.value(key)) }
                }
                try large.expectCount(100, "250 distinct keys at capacity 100")
                for key in 0..<150 {
                    try large.expect(key, nil, "keys 0..<150 are the 150 least recently used of 250 puts and were evicted")
                }
                for key in 150..<250 {
                    try large.expect(key, ScriptedCache.value(key), "keys 150..<250 are the 100 most recent puts")
                }
            },

            Check("get-refreshes-recency") { _ in
                let cache = ScriptedCache(maker, capacity: 3)
                for key in 1...3 { cache.put(key) }
                try cache.expect(1, "v1", "1 was put and nothing was evicted yet")
                cache.put(4)
                try cache.expect(2, nil, "get(1) made 1 the most recently used, so 2 was the least recently used when 4 was added")
                try cache.expect(1, "v1", "get(1) refreshed 1, so put(4) must not evict it")
                try cache.expect(3, "v3", "3 was more recent than 2")
                try cache.expect(4, "v4", "4 is the most recent put")

                let wider = ScriptedCache(maker, capacity: 5)
                for key in 1...5 { wider.put(key) }
                try wider.expect(2, "v2", "2 is present")
                try wider.expect(1, "v1", "1 is present")
                for key in 6...8 { wider.put(key) }
                for key in 3...5 {
                    try wider.expect(key, nil, "after get(2), get(1) the three least recently used were 3, 4, 5, which 6, 7, 8 evicted")
                }
                for key in [1, 2, 6, 7, 8] {
                    try wider.expect(key, ScriptedCache.value(key), "\(key) was refreshed by get or put after 3, 4, 5")
                }
                try wider.expectCount(5, "the cache stays full at its capacity")
            },

            Check("put-update-refreshes-recency") { _ in
                let cache = ScriptedCache(maker, capacity: 3)
                for key in 1...3 { cache.put(key) }
                cache.put(1, "v1-updated")
                cache.put(4)
                try cache.expect(2, nil, "updating 1 made it the most recently used, so 2 was the least recently used when 4 was added")
                try cache.expect(1, "v1-updated", "put(1, \"v1-updated\") refreshed 1, so put(4) must not evict it")
                try cache.expect(3, "v3", "3 was more recent than 2")
                try cache.expect(4, "v4", "4 is the most recent put")

                let wider = ScriptedCache(maker, capacity: 4)
                for key in 1...4 { wider.put(key) }
                wider.put(2, "v2-updated")
                wider.put(1, "v1-updated")
                wider.put(5)
                wider.put(6)
                try wider.expect(3, nil, "after updating 2 and 1, the least recently used were 3 then 4, evicted by 5 and 6")
                try wider.expect(4, nil, "after updating 2 and 1, the least recently used were 3 then 4, evicted by 5 and 6")
                try wider.expect(1, "v1-updated", "1 was refreshed by its update")
                try wider.expect(2, "v2-updated", "2 was refreshed by its update")
                try wider.expectCount(4, "the cache stays full at its capacity")
            },

            Check("update-existing-key") { _ in
                let cache = ScriptedCache(maker, capacity: 3)
                cache.put(1)
                cache.put(1, "v1-second")
                try cache.expectCount(1, "updating an existing key must not add an entry")
                try cache.expect(1, "v1-second", "the update replaces the value")
                cache.put(2)
                cache.put(3)
                cache.put(2, "v2-second")
                try cache.expectCount(3, "updating an existing key of a full cache must not add an entry")
                for key in [1, 3] {
                    try cache.expect(key, ScriptedCache.value(key) + (key == 1 ? "-second" : ""),
                                     "updating 2 in a full cache must not evict anything")
                }
                try cache.expect(2, "v2-second", "the update replaces the value")
                cache.perform("put(2, \"v2-round-r\") for r in 0..<100") { cache in
                    for round in 0..<100 { cache.put(2, "v2-round-\(round)") }
                }
                try cache.expectCount(3, "a hundred updates of one key must not add entries")
                try cache.expect(2, "v2-round-99", "the last update wins")
                try cache.expect(1, "v1-second", "updates of 2 must not evict 1")
                try cache.expect(3, "v3", "updates of 2 must not evict 3")
            },

            Check("capacity-one") { _ in
                let cache = ScriptedCache(maker, capacity: 1)
                try cache.expect(1, nil, "the cache is empty")
                try cache.expectCount(0, "the cache is empty")
                cache.put(1)
                try cache.expect(1, "v1", "1 is the only entry")
                try cache.expectCount(1, "one entry")
                cache.put(2)
                try cache.expect(2, "v2", "the newest put must be kept")
                try cache.expect(1, nil, "capacity 1 keeps only the most recent key")
                try cache.expectCount(1, "capacity 1")
                cache.put(2, "v2-updated")
                try cache.expect(2, "v2-updated", "updating the only key replaces its value")
                try cache.expectCount(1, "updating the only key must not add an entry")
                cache.put(3)
                try cache.expect(2, nil, "capacity 1 keeps only the most recent key")
                try cache.expect(3, "v3", "the newest put must be kept")
                var generator = SeededGenerator(seed: 0x1C0FFEE)
                var previous = 3
                for step in 0..<2_000 {
                    let key = Int(generator.next() % 8)
                    let value = "v\(key)-\(step)"
                    cache.cache.put(key, value)
                    let kept = cache.cache.get(key)
                    if kept != value {
                        throw CheckFailure("at capacity 1, right after put(\(key), \"\(value)\") (step \(step) of a seeded run), "
                            + "get(\(key)) returned \(describe(kept)); expected \"\(value)\"")
                    }
                    if previous != key, let stale = cache.cache.get(previous) {
                        throw CheckFailure("at capacity 1, after put(\(previous), …) then put(\(key), \"\(value)\") (step \(step)), "
                            + "get(\(previous)) returned \"\(stale)\"; expected nil (only the most recent key fits)")
                    }
                    let count = cache.cache.count
                    if count != 1 {
                        throw CheckFailure("at capacity 1, after put(\(key), \"\(value)\") (step \(step)), count is \(count); expected 1")
                    }
                    previous = key
                }
            },
        ]
    }
}
