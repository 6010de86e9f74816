import HarnessKit

/// The public checks: what `grader test lru-cache` runs on your machine. The hidden checks go
/// much further (see the README for what they cover).
public enum PublicChecks {
    public static func checks(_ maker: some LRUCacheMaker) -> [Check] {
        [
            Check("public.get-put-basics") { _ in
                let cache: any LRUCacheUnderTest<String, Int> = maker.make(capacity: 2)
                try requireEqual(cache.get("a"), nil, "get(\"a\") on an empty cache")
                try requireEqual(cache.count, 0, "count of an empty cache")
                cache.put("a", 1)
                try requireEqual(cache.get("a"), 1, "get(\"a\") after put(\"a\", 1)")
                try requireEqual(cache.count, 1, "count after one put")
                cache.put("a", 2)
                try requireEqual(cache.get("a"), 2, "get(\"a\") after updating it to 2")
                try requireEqual(cache.count, 1, "count after updating an existing key")
            },
            Check("public.evicts-least-recently-used") { _ in
                let cache: any LRUCacheUnderTest<Int, String> = maker.make(capacity: 2)
                cache.put(1, "one")
                cache.put(2, "two")
                _ = cache.get(1)          // 1 is now the most recently used
                cache.put(3, "three")     // over capacity: 2 is the least recently used
                try requireEqual(cache.get(2), nil, "get(2) after put(1), put(2), get(1), put(3) at capacity 2 (2 should be evicted)")
                try requireEqual(cache.get(1), "one", "get(1) after put(1), put(2), get(1), put(3) at capacity 2")
                try requireEqual(cache.get(3), "three", "get(3) after put(3)")
                try requireEqual(cache.count, 2, "count at capacity 2 after three distinct puts")
            },
        ]
    }
}
