import DriverKit

/// The public checks: what `grader test lru-cache` runs on your machine. The hidden checks go
/// much further (see the README for what they cover).
///
/// Like every check, they run in the grader's driver process: each cache call below is sent to
/// your code, which runs in a separate, sandboxed process, and only its answer comes back.
public enum PublicChecks {
    public static func checks() -> [Check] {
        [
            Check("public.get-put-basics") { context in
                let cache = try await RemoteLRUCache<String, Int>.make(context, capacity: 2)
                try requireEqual(try await cache.get("a"), nil, "get(\"a\") on an empty cache")
                try requireEqual(try await cache.count(), 0, "count of an empty cache")
                try await cache.put("a", 1)
                try requireEqual(try await cache.get("a"), 1, "get(\"a\") after put(\"a\", 1)")
                try requireEqual(try await cache.count(), 1, "count after one put")
                try await cache.put("a", 2)
                try requireEqual(try await cache.get("a"), 2, "get(\"a\") after updating it to 2")
                try requireEqual(try await cache.count(), 1, "count after updating an existing key")
            },
            Check("public.evicts-least-recently-used") { context in
                let cache = try await RemoteLRUCache<Int, String>.make(context, capacity: 2)
                try await cache.put(1, "one")
                try await cache.put(2, "two")
                _ = try await cache.get(1)          // 1 is now the most recently used
                try await cache.put(3, "three")     // over capacity: 2 is the least recently used
                try requireEqual(try await cache.get(2), nil, "get(2) after put(1), put(2), get(1), put(3) at capacity 2 (2 should be evicted)")
                try requireEqual(try await cache.get(1), "one", "get(1) after put(1), put(2), get(1), put(3) at capacity 2")
                try requireEqual(try await cache.get(3), "three", "get(3) after put(3)")
                try requireEqual(try await cache.count(), 2, "count at capacity 2 after three distinct puts")
            },
        ]
    }
}
