import HarnessKit
import Synchronization

/// One cache shared by 8 OS threads released together (``ThreadStorm``).
///
/// Each check first rehearses its workload on one thread: a violation there is a functional bug
/// (say, a count that is not decremented on eviction), reported as a plain failure. Only then does
/// it enter the `concurrent` phase, whose failures are the ones that raise `no-concurrency-handling`
/// (the mapping's red-flag rules require that phase): a violation that only appears with 8 threads is
/// missing concurrency handling. Each storm repeats its work until a violation shows, its operation
/// count is done, or a share of the budget is spent (so the ThreadSanitizer pass, many times slower,
/// still finishes). The first violation stops every thread. A storm whose threads never return is a
/// timeout (diagnosed busy or blocked by the harness), not a failure: a deadlock is a locking bug,
/// not missing locking.
public enum LRUConcurrencyChecks {
    static let threads = 8
    /// Threads stop starting new work after this share of the check's budget.
    static let workShareOfBudget = 0.35

    static let stormCapacity = 64
    static let stormKeySpace = 256
    static let stormOperationsPerThread = 60_000

    /// Operations per thread index in the single-threaded rehearsal of the storm.
    static let rehearsalOperationsPerThread = 4_000

    static let lostUpdateKeysPerThread = 500
    static let lostUpdateRounds = 30

    /// The phase whose failures raise `no-concurrency-handling`.
    static let concurrentPhase = "concurrent"

    public static func checks(_ maker: some LRUCacheMaker) -> [Check] {
        [
            Check("concurrent-storm") { context in
                try storm(maker, context: context)
            },
            Check("concurrent-lost-updates") { context in
                try lostUpdates(maker, context: context)
            },
        ]
    }

    final class StormTally: Sendable {
        let operations = Atomic<Int>(0)
        let hits = Atomic<Int>(0)
        let countSamples = Atomic<Int>(0)
    }

    /// Mixed get/put/count on overlapping keys: every value records the key it was put under, so
    /// a get that returns another key's value, or a count above the capacity, is caught in the act.
    static func storm(_ maker: some LRUCacheMaker, context: CheckContext) throws {
        let started = ProcessStats.monotonicNanos()
        let capacity = stormCapacity
        let keySpace = stormKeySpace
        let cache: any LRUCacheUnderTest<Int, KeyedValue> = maker.make(capacity: capacity)
        for key in 0..<capacity { cache.put(key, KeyedValue(key: key, writer: -1)) }
        let filled = cache.count
        try require(filled == capacity, "before any concurrency: after put(k, …) for k in 0..<\(capacity) at capacity "
            + "\(capacity), count is \(filled); expected \(capacity)")

        // Rehearsal: the same work, one thread index after another, on one thread.
        let rehearsal = ViolationLog()
        let alone = "one thread doing the storm's get/put/count work alone on keys 0..<\(keySpace) of a cache of capacity \(capacity) (before any concurrency)"
        for thread in 0..<threads {
            stormWork(cache, thread: thread, operations: rehearsalOperationsPerThread, violations: rehearsal,
                      tally: StormTally(), deadline: .max, what: alone)
        }
        if let message = rehearsal.message { throw CheckFailure(message) }
        try verifyQuiescent(cache, keys: Array(0..<keySpace), capacity: capacity, when: "after \(alone)")

        context.enterPhase(concurrentPhase)
        let shared = UncheckedSendableBox(cache)
        let violations = ViolationLog()
        let tally = StormTally()
        let workDeadline = started + UInt64(context.budgetSeconds * workShareOfBudget * 1e9)
        let what = "\(threads) threads doing get/put/count on keys 0..<\(keySpace) of one cache of capacity \(capacity)"
        try runStorm(context, started: started, threads: threads, violations: violations, what: what) { thread in
            stormWork(shared.value, thread: thread, operations: stormOperationsPerThread, violations: violations,
                      tally: tally, deadline: workDeadline, what: what)
        }
        let operations = tally.operations.load(ordering: .relaxed)
        context.note("storm: \(threads) threads, \(operations) operations (\(tally.hits.load(ordering: .relaxed)) get hits, "
            + "\(tally.countSamples.load(ordering: .relaxed)) count samples) in \(formatSeconds(secondsSince(started)))")

        // Quiescent again: the structure must be whole.
        try verifyQuiescent(cache, keys: Array(0..<keySpace), capacity: capacity, when: "after the storm (\(what))")
        for key in 10_000..<(10_000 + capacity) { cache.put(key, KeyedValue(key: key, writer: -2)) }
        try verifyQuiescent(cache, keys: Array(0..<keySpace) + Array(10_000..<(10_000 + capacity)), capacity: capacity,
                            when: "after the storm and \(capacity) more single-threaded puts of new keys")
    }

    /// One thread's share of the storm: mixed get/put/count, every violation recorded.
    static func stormWork(_ cache: any LRUCacheUnderTest<Int, KeyedValue>, thread: Int, operations limit: Int,
                          violations: ViolationLog, tally: StormTally, deadline: UInt64, what: String) {
        let capacity = stormCapacity
        let keySpace = stormKeySpace
        var generator = SeededGenerator(seed: 0x5707_0000 &+ UInt64(thread))
        var operation = 0
        var hits = 0
        var samples = 0
        while operation < limit {
            if operation & 255 == 0 && (violations.found || ProcessStats.monotonicNanos() > deadline) { break }
            let draw = generator.next()
            // Half the operations go to 16 hot keys, so threads collide on the same entries.
            let key = draw & 1 == 0 ? Int((draw >> 8) % 16) : Int((draw >> 8) % UInt64(keySpace))
            switch (draw >> 1) & 15 {
            case 0:
                let count = cache.count
                samples += 1
                if count > capacity || count < 0 {
                    violations.record("while \(what), count returned \(count) (thread \(thread), operation #\(operation)); "
                        + "expected at most \(capacity)")
                }
            case 1...7:
                if let value = cache.get(key) {
                    hits += 1
                    if value.key != key {
                        violations.record("while \(what), get(\(key)) returned the value put under key \(value.key) "
                            + "by thread \(value.writer) (thread \(thread), operation #\(operation)); expected nil or a "
                            + "value put under key \(key)")
                    }
                }
            default:
                cache.put(key, KeyedValue(key: key, writer: thread))
            }
            operation += 1
        }
        tally.operations.add(operation, ordering: .relaxed)
        tally.hits.add(hits, ordering: .relaxed)
        tally.countSamples.add(samples, ordering: .relaxed)
    }

    /// Count equals the capacity (the cache was full and entries are only ever replaced), every
    /// present key holds its own value, and the number of present keys equals the count.
    static func verifyQuiescent(_ cache: any LRUCacheUnderTest<Int, KeyedValue>, keys: [Int], capacity: Int,
                                when: String) throws {
        let count = cache.count
        try require(count == capacity, "\(when), with every thread finished, count is \(count); expected \(capacity) (the cache "
            + "was full before the storm and puts only replace or evict entries)")
        var present = 0
        for key in keys {
            guard let value = cache.get(key) else { continue }
            present += 1
            try require(value.key == key, "\(when), get(\(key)) returned the value put under key \(value.key); expected nil or a "
                + "value put under key \(key): the structure was corrupted")
        }
        try require(present == count, "\(when), \(present) keys are present (get returned a value) but count is \(count); "
            + "expected them to agree: the structure was corrupted")
    }

    /// Threads put disjoint keys into a cache big enough for all of them; afterwards every key must
    /// be there with its own value. A single-threaded rehearsal first, then fresh caches each round.
    static func lostUpdates(_ maker: some LRUCacheMaker, context: CheckContext) throws {
        let started = ProcessStats.monotonicNanos()
        let perThread = lostUpdateKeysPerThread
        let capacity = threads * perThread

        let alone = "one thread doing the work of all \(threads) threads alone, putting \(capacity) distinct keys into one "
            + "cache of capacity \(capacity) (before any concurrency)"
        let rehearsalCache: any LRUCacheUnderTest<Int, KeyedValue> = maker.make(capacity: capacity)
        let rehearsal = ViolationLog()
        for thread in 0..<threads {
            putWork(rehearsalCache, thread: thread, violations: rehearsal, what: alone)
        }
        if let message = rehearsal.message { throw CheckFailure(message) }
        try verifyAllPresent(rehearsalCache, capacity: capacity, after: alone, cause: "the cache lost keys it had room for")

        context.enterPhase(concurrentPhase)
        let workDeadline = started + UInt64(context.budgetSeconds * workShareOfBudget * 1e9)
        var round = 0
        while round < lostUpdateRounds {
            if round > 0 && ProcessStats.monotonicNanos() > workDeadline { break }
            let what = "\(threads) threads each putting \(perThread) distinct keys (\(capacity) in all) into one cache of "
                + "capacity \(capacity) (round \(round + 1))"
            let cache: any LRUCacheUnderTest<Int, KeyedValue> = maker.make(capacity: capacity)
            let shared = UncheckedSendableBox(cache)
            let violations = ViolationLog()
            try runStorm(context, started: started, threads: threads, violations: violations, what: what) { thread in
                putWork(shared.value, thread: thread, violations: violations, what: what)
            }
            try verifyAllPresent(cache, capacity: capacity, after: what, cause: "concurrent puts lost updates")
            round += 1
        }
        context.note("\(round) rounds of \(threads) threads × \(perThread) puts, no update lost, in "
            + "\(formatSeconds(secondsSince(started)))")
    }

    /// One thread's puts: `perThread` keys interleaved with the other threads', reading some back.
    static func putWork(_ cache: any LRUCacheUnderTest<Int, KeyedValue>, thread: Int, violations: ViolationLog,
                        what: String) {
        let perThread = lostUpdateKeysPerThread
        let capacity = threads * perThread
        for index in 0..<perThread {
            if index & 63 == 0 && violations.found { return }
            // Interleaved key ranges: neighbouring keys belong to different threads.
            let key = index * threads + thread
            cache.put(key, KeyedValue(key: key, writer: thread))
            if index & 7 == 7 {
                let earlier = (index - 4) * threads + thread
                let value = cache.get(earlier)
                if value?.key != earlier {
                    violations.record("while \(what), thread \(thread) put key \(earlier) and four puts later get(\(earlier)) "
                        + "returned \(value.map { "the value put under key \($0.key)" } ?? "nil"); expected its own value "
                        + "(the cache has room for every key, so nothing may be evicted)")
                }
            }
            if index & 63 == 31 {
                let count = cache.count
                if count > capacity || count < 0 {
                    violations.record("while \(what), count returned \(count); expected at most \(capacity)")
                }
            }
        }
    }

    /// Every key `0..<capacity` present with the value its thread put, and count exactly `capacity`.
    static func verifyAllPresent(_ cache: any LRUCacheUnderTest<Int, KeyedValue>, capacity: Int, after what: String,
                                 cause: String) throws {
        let count = cache.count
        var missing: [Int] = []
        var missingCount = 0
        for key in 0..<capacity {
            let value = cache.get(key)
            if value?.key != key || value?.writer != key % threads {
                missingCount += 1
                if missing.count < 5 { missing.append(key) }
            }
        }
        if count != capacity || missingCount > 0 {
            throw CheckFailure("after \(what), count is \(count) and \(missingCount) keys are missing or hold a wrong value"
                + (missing.isEmpty ? "" : " (first: \(missing.map(String.init).joined(separator: ", ")))")
                + "; expected count \(capacity) and every key present with its own value: \(cause)")
        }
    }
}
