import HarnessKit

/// What the cache keeps alive: evicted and overwritten values, the cache itself, and memory over a
/// long run. Values are ``Tracked`` objects whose deinit a ``LifetimeTracker`` counts; the checks
/// never hold on to one themselves.
public enum LRUMemoryChecks {
    static let boundedCapacity = 256
    static let boundedPuts = 1_000_000
    /// Resident memory may grow at most this much between the end of warm-up and the end of the run.
    static let maximumGrowthBytes: Int64 = 4 << 20

    public static func checks(_ maker: some LRUCacheMaker) -> [Check] {
        [
            Check("evicted-values-released") { context in
                let tracker = LifetimeTracker()
                let capacity = 50
                let cache: any LRUCacheUnderTest<Int, Tracked> = maker.make(capacity: capacity)
                for key in 0..<1_000 { cache.put(key, tracker.make(key)) }
                let count = cache.count
                try require(count == capacity, "after 1000 puts of distinct keys at capacity \(capacity), count is \(count); "
                    + "expected \(capacity)")
                let live = tracker.liveCount
                context.note("1000 values put at capacity \(capacity): \(live) still alive, \(tracker.releasedCount) released")
                try require(live <= capacity, "after 1000 puts of distinct keys at capacity \(capacity), \(live) of the 1000 values "
                    + "are still alive; expected at most \(capacity), the entries the cache holds (evicted values are never "
                    + "released: something still references evicted entries)")
                withExtendedLifetime(cache) {}
            },

            Check("overwritten-values-released") { context in
                let tracker = LifetimeTracker()
                let capacity = 10
                let cache: any LRUCacheUnderTest<Int, Tracked> = maker.make(capacity: capacity)
                for round in 0...100 {
                    for key in 0..<capacity { cache.put(key, tracker.make(round * 1_000 + key)) }
                }
                let count = cache.count
                try require(count == capacity, "after putting keys 0..<\(capacity) 101 times each at capacity \(capacity), "
                    + "count is \(count); expected \(capacity)")
                for key in 0..<capacity {
                    let payload = cache.get(key)?.payload
                    try require(payload == 100_000 + key, "after putting keys 0..<\(capacity) 101 times each, get(\(key)) returned "
                        + "\(payload.map { "the value of round \($0 / 1_000)" } ?? "nil"); expected the value of round 100 (the last put wins)")
                }
                let live = tracker.liveCount
                context.note("\(tracker.createdCount) values put on \(capacity) keys: \(live) still alive")
                try require(live <= capacity, "after putting keys 0..<\(capacity) 101 times each (\(tracker.createdCount) values), "
                    + "\(live) values are still alive; expected at most \(capacity), one per key (overwritten values are never released)")
                withExtendedLifetime(cache) {}
            },

            Check("released-with-cache") { context in
                for capacity in [1, 7, 100] {
                    let tracker = LifetimeTracker()
                    let (survivor, count) = useAndDrop(maker, capacity: capacity, tracker: tracker)
                    try require(count == capacity, "after \(capacity * 3 / 2 + 1) puts of distinct keys at capacity \(capacity), "
                        + "count was \(count); expected \(capacity)")
                    let live = tracker.liveCount
                    context.note("capacity \(capacity): \(tracker.createdCount) values put; after the cache was released, "
                        + "\(live) still alive; cache object released: \(survivor.value == nil)")
                    try require(survivor.value == nil, "a cache of capacity \(capacity) was still alive after its last "
                        + "reference was dropped; expected it to be deinitialised (a reference cycle through the cache itself?)")
                    try require(live == 0, "after a cache of capacity \(capacity) holding \(count) entries was released, \(live) "
                        + "of its values were still alive; expected 0 (a reference cycle among the entries, e.g. strong "
                        + "links in both directions of the list)")
                }
            },

            Check("bounded-memory") { context in
                let tracker = LifetimeTracker()
                let capacity = boundedCapacity
                let cache: any LRUCacheUnderTest<Int, Tracked> = maker.make(capacity: capacity)
                var generator = SeededGenerator(seed: 0xB0_0DED)
                var baseline: Int64 = 0
                let checkpoint = boundedPuts / 10
                var peakLive = 0
                var puts = 0
                var nextKey = 0
                while puts < boundedPuts {
                    // Mostly new keys (each evicts one); every fourth step also updates and reads a
                    // recent key.
                    cache.put(nextKey, tracker.make(nextKey))
                    puts += 1
                    if nextKey & 3 == 0 && nextKey > 0 {
                        let recent = nextKey - 1 - Int(generator.next() % UInt64(min(nextKey, capacity / 2)))
                        cache.put(recent, tracker.make(recent))
                        _ = cache.get(recent)
                        puts += 1
                    }
                    nextKey += 1
                    if nextKey % checkpoint == 0 {
                        let live = tracker.liveCount
                        peakLive = max(peakLive, live)
                        let count = cache.count
                        try require(count == capacity, "after \(puts) puts (\(nextKey) distinct keys) at capacity \(capacity), "
                            + "count is \(count); expected \(capacity)")
                        try require(live <= capacity, "after \(puts) puts at capacity \(capacity), \(live) values are still "
                            + "alive; expected at most \(capacity) (dropped values are not released)")
                        if nextKey == checkpoint { baseline = ProcessStats.residentBytes() }
                    }
                }
                let ending = ProcessStats.residentBytes()
                let growth = ending - baseline
                context.note("\(puts) puts at capacity \(capacity): at most \(peakLive) values alive at the checkpoints; "
                    + "resident memory \(formatBytes(baseline)) after warm-up, \(formatBytes(ending)) at the end "
                    + "(growth \(formatBytes(growth)), limit \(formatBytes(maximumGrowthBytes)))")
                try require(growth <= maximumGrowthBytes, "over \(puts) puts at capacity \(capacity), resident memory grew by "
                    + "\(formatBytes(growth)) after warm-up (from \(formatBytes(baseline)) to \(formatBytes(ending))); expected at "
                    + "most \(formatBytes(maximumGrowthBytes)): the cache keeps something for every key it ever saw")
                KeepAlive.park(cache)
            },
        ]
    }

    /// Holds a weak reference, to see whether an object was deinitialised.
    final class WeakBox {
        weak var value: AnyObject?
        init(_ value: AnyObject) { self.value = value }
    }

    /// Builds a cache, uses it (evictions, refreshes, updates), and drops it.
    @inline(never)
    static func useAndDrop(_ maker: some LRUCacheMaker, capacity: Int, tracker: LifetimeTracker) -> (WeakBox, Int) {
        let cache: any LRUCacheUnderTest<Int, Tracked> = maker.make(capacity: capacity)
        let box = WeakBox(cache)
        let keys = capacity * 3 / 2 + 1
        for key in 0..<keys { cache.put(key, tracker.make(key)) }
        for key in stride(from: keys - 1, through: keys - capacity, by: -2) { _ = cache.get(key) }
        for key in stride(from: keys - 1, through: keys - capacity, by: -3) { cache.put(key, tracker.make(key + 10_000)) }
        return (box, cache.count)
    }
}
