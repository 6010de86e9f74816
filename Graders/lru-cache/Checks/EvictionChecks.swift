import DriverKit
import Wire

/// Drives a cache of `Int` to `String` and keeps a transcript, so a failure can say exactly which
/// operations led to it.
final class ScriptedCache {
    let cache: RemoteLRUCache<Int, String>
    let capacity: Int
    private var steps: [String] = []

    private init(_ cache: RemoteLRUCache<Int, String>, capacity: Int) {
        self.cache = cache
        self.capacity = capacity
    }

    static func make(_ context: CheckContext, capacity: Int) async throws -> ScriptedCache {
        ScriptedCache(try await RemoteLRUCache<Int, String>.make(context, capacity: capacity), capacity: capacity)
    }

    /// The value the checks store for `key`.
    static func value(_ key: Int) -> String { "v\(key)" }

    func put(_ key: Int, _ value: String? = nil) async throws {
        let value = value ?? Self.value(key)
        try await cache.put(key, value)
        steps.append("put(\(key), \"\(value)\")")
    }

    /// Performs `operations` as one batch and records them as one summarised step.
    func perform(_ summary: String, _ operations: [LRUOperation]) async throws {
        _ = try await cache.perform(operations)
        steps.append(summary)
    }

    @discardableResult
    func get(_ key: Int) async throws -> String? {
        defer { steps.append("get(\(key))") }
        return try await cache.get(key)
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
    func expect(_ key: Int, _ expected: String?, _ reason: String) async throws {
        let context = history
        let actual = try await get(key)
        if actual != expected {
            throw CheckFailure("\(context), get(\(key)) returned \(quoted(actual)); expected \(quoted(expected)) (\(reason))")
        }
    }

    func expectCount(_ expected: Int, _ reason: String) async throws {
        let actual = try await cache.count()
        if actual != expected {
            throw CheckFailure("\(history), count is \(actual); expected \(expected) (\(reason))")
        }
    }

    private func quoted(_ value: String?) -> String { value.map { "\"\($0)\"" } ?? "nil" }
}

/// Single-threaded LRU semantics: eviction order, recency refresh by `get` and `put`, updates,
/// capacity 1.
public enum LRUEvictionChecks {
    public static func checks() -> [Check] {
        [
            Check("eviction-order") { context in
                let small = try await ScriptedCache.make(context, capacity: 3)
                for key in 1...3 { try await small.put(key) }
                try await small.expectCount(3, "three distinct keys fit in capacity 3")
                // Each new key evicts the oldest insertion; only absent keys are read, which must
                // not change the order.
                for key in 4...6 {
                    try await small.put(key)
                    try await small.expect(key - 3, nil, "\(key - 3) was the least recently used entry when \(key) was added")
                    try await small.expectCount(3, "the cache stays full at its capacity")
                }
                for key in 4...6 { try await small.expect(key, ScriptedCache.value(key), "\(key) is among the 3 most recent puts") }

                let large = try await ScriptedCache.make(context, capacity: 100)
                try await large.perform("put(k, \"vk\") for k in 0..<250", (0..<250).map { .put(.int($0), .string(ScriptedCache.value($0))) })
                try await large.expectCount(100, "250 distinct keys at capacity 100")
                for key in 0..<150 {
                    try await large.expect(key, nil, "keys 0..<150 are the 150 least recently used of 250 puts and were evicted")
                }
                for key in 150..<250 {
                    try await large.expect(key, ScriptedCache.value(key), "keys 150..<250 are the 100 most recent puts")
                }
            },

            Check("get-refreshes-recency") { context in
                let cache = try await ScriptedCache.make(context, capacity: 3)
                for key in 1...3 { try await cache.put(key) }
                try await cache.expect(1, "v1", "1 was put and nothing was evicted yet")
                try await cache.put(4)
                try await cache.expect(2, nil, "get(1) made 1 the most recently used, so 2 was the least recently used when 4 was added")
                try await cache.expect(1, "v1", "get(1) refreshed 1, so put(4) must not evict it")
                try await cache.expect(3, "v3", "3 was more recent than 2")
                try await cache.expect(4, "v4", "4 is the most recent put")

                let wider = try await ScriptedCache.make(context, capacity: 5)
                for key in 1...5 { try await wider.put(key) }
                try await wider.expect(2, "v2", "2 is present")
                try await wider.expect(1, "v1", "1 is present")
                for key in 6...8 { try await wider.put(key) }
                for key in 3...5 {
                    try await wider.expect(key, nil, "after get(2), get(1) the three least recently used were 3, 4, 5, which 6, 7, 8 evicted")
                }
                for key in [1, 2, 6, 7, 8] {
                    try await wider.expect(key, ScriptedCache.value(key), "\(key) was refreshed by get or put after 3, 4, 5")
                }
                try await wider.expectCount(5, "the cache stays full at its capacity")
            },

            Check("put-update-refreshes-recency") { context in
                let cache = try await ScriptedCache.make(context, capacity: 3)
                for key in 1...3 { try await cache.put(key) }
                try await cache.put(1, "v1-updated")
                try await cache.put(4)
                try await cache.expect(2, nil, "updating 1 made it the most recently used, so 2 was the least recently used when 4 was added")
                try await cache.expect(1, "v1-updated", "put(1, \"v1-updated\") refreshed 1, so put(4) must not evict it")
                try await cache.expect(3, "v3", "3 was more recent than 2")
                try await cache.expect(4, "v4", "4 is the most recent put")

                let wider = try await ScriptedCache.make(context, capacity: 4)
                for key in 1...4 { try await wider.put(key) }
                try await wider.put(2, "v2-updated")
                try await wider.put(1, "v1-updated")
                try await wider.put(5)
                try await wider.put(6)
                try await wider.expect(3, nil, "after updating 2 and 1, the least recently used were 3 then 4, evicted by 5 and 6")
                try await wider.expect(4, nil, "after updating 2 and 1, the least recently used were 3 then 4, evicted by 5 and 6")
                try await wider.expect(1, "v1-updated", "1 was refreshed by its update")
                try await wider.expect(2, "v2-updated", "2 was refreshed by its update")
                try await wider.expectCount(4, "the cache stays full at its capacity")
            },

            Check("update-existing-key") { context in
                let cache = try await ScriptedCache.make(context, capacity: 3)
                try await cache.put(1)
                try await cache.put(1, "v1-second")
                try await cache.expectCount(1, "updating an existing key must not add an entry")
                try await cache.expect(1, "v1-second", "the update replaces the value")
                try await cache.put(2)
                try await cache.put(3)
                try await cache.put(2, "v2-second")
                try await cache.expectCount(3, "updating an existing key of a full cache must not add an entry")
                for key in [1, 3] {
                    try await cache.expect(key, ScriptedCache.value(key) + (key == 1 ? "-second" : ""),
                                           "updating 2 in a full cache must not evict anything")
                }
                try await cache.expect(2, "v2-second", "the update replaces the value")
                try await cache.perform("put(2, \"v2-round-r\") for r in 0..<100", (0..<100).map { .put(.int(2), .string("v2-round-\($0)")) })
                try await cache.expectCount(3, "a hundred updates of one key must not add entries")
                try await cache.expect(2, "v2-round-99", "the last update wins")
                try await cache.expect(1, "v1-second", "updates of 2 must not evict 1")
                try await cache.expect(3, "v3", "updates of 2 must not evict 3")
            },

            Check("capacity-one") { context in
                let cache = try await ScriptedCache.make(context, capacity: 1)
                try await cache.expect(1, nil, "the cache is empty")
                try await cache.expectCount(0, "the cache is empty")
                try await cache.put(1)
                try await cache.expect(1, "v1", "1 is the only entry")
                try await cache.expectCount(1, "one entry")
                try await cache.put(2)
                try await cache.expect(2, "v2", "the newest put must be kept")
                try await cache.expect(1, nil, "capacity 1 keeps only the most recent key")
                try await cache.expectCount(1, "capacity 1")
                try await cache.put(2, "v2-updated")
                try await cache.expect(2, "v2-updated", "updating the only key replaces its value")
                try await cache.expectCount(1, "updating the only key must not add an entry")
                try await cache.put(3)
                try await cache.expect(2, nil, "capacity 1 keeps only the most recent key")
                try await cache.expect(3, "v3", "the newest put must be kept")
                try await seededCapacityOneRun(cache.cache, previous: 3)
            },
        ]
    }

    /// 2,000 seeded steps at capacity 1, each a put, a get of the key just put, a get of the key
    /// before it and a count, sent as one batch and then read step by step.
    static func seededCapacityOneRun(_ cache: RemoteLRUCache<Int, String>, previous start: Int) async throws {
        var generator = SeededGenerator(seed: 0x1C0FFEE)
        var operations: [LRUOperation] = []
        var steps: [(key: Int, value: String, previous: Int)] = []
        var previous = start
        for step in 0..<2_000 {
            let key = Int(generator.next() % 8)
            let value = "v\(key)-\(step)"
            operations += [.put(.int(key), .string(value)), .get(.int(key)), .get(.int(previous)), .count]
            steps.append((key, value, previous))
            previous = key
        }
        let answers = try await cache.perform(operations)
        for (step, expected) in steps.enumerated() {
            let kept = try RemoteLRUCache<Int, String>.value(of: answers[step * 4 + 1])
            if kept != expected.value {
                throw CheckFailure("at capacity 1, right after put(\(expected.key), \"\(expected.value)\") (step \(step) of a seeded run), "
                    + "get(\(expected.key)) returned \(describe(kept)); expected \"\(expected.value)\"")
            }
            if expected.previous != expected.key, let stale = try RemoteLRUCache<Int, String>.value(of: answers[step * 4 + 2]) {
                throw CheckFailure("at capacity 1, after put(\(expected.previous), …) then put(\(expected.key), \"\(expected.value)\") "
                    + "(step \(step)), get(\(expected.previous)) returned \"\(stale)\"; expected nil (only the most recent key fits)")
            }
            let count = try RemoteLRUCache<Int, String>.count(of: answers[step * 4 + 3])
            if count != 1 {
                throw CheckFailure("at capacity 1, after put(\(expected.key), \"\(expected.value)\") (step \(step)), count is \(count); expected 1")
            }
        }
    }
}
