@testable import Solution
import Testing

/// The README's example. Add your own tests beside it (capacity 1, updates, many threads at once).
@Test func evictsTheLeastRecentlyUsedEntry() {
    let cache = LRUCache<Int, String>(capacity: 2)
    cache.put(1, "one")
    cache.put(2, "two")
    _ = cache.get(1)        // 1 is now the most recently used
    cache.put(3, "three")   // over capacity: 2 is the least recently used, so it is evicted
    #expect(cache.get(2) == nil)
    #expect(cache.get(1) == "one")
    #expect(cache.get(3) == "three")
    #expect(cache.count == 2)
}
