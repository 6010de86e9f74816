import DriverKit
import Wire

/// What the cache keeps alive: evicted and overwritten values, the cache itself, and memory over a
/// long run.
///
/// Two measures, of different standing. The subject counts its values' deinits (it makes the
/// values, objects that report their release): that is its own report, precise but forgeable by
/// code in its process. The grader reads the subject's resident memory from outside (`/proc`):
/// that cannot be forged. The release checks use heavy values, each holding its own pages of
/// resident memory, so a leak shows in both; a check fails when either shows one, and says so when
/// the two disagree. Where the cache holds many of them, memory must also show at least those:
/// a subject that skipped the operations it was sent would hold none.
public enum LRUMemoryChecks {
    static let boundedCapacity = 256
    static let boundedPuts = 1_000_000
    /// Keys put before `bounded-memory` may stop early: four checkpoints after the baseline's, which
    /// a cache keeping anything per key (a dictionary entry is 50 bytes or more) outgrows the
    /// growth limit in.
    static let boundedMinimumKeys = 500_000
    /// Share of the check's budget after which `bounded-memory` starts no more work it cannot finish.
    static let boundedWorkShare = 0.7
    /// Resident memory may grow at most this much between the end of warm-up and the end of the run.
    static let maximumGrowthBytes: Int64 = 4 << 20
    /// What one heavy value holds, and what resident memory may differ from the values kept by
    /// (a warmed-up subject's resident memory moves by a few hundred KiB between two readings): a
    /// leak of more than 16 values shows from outside whatever the subject says.
    static let heavyBytes = 128 << 10
    static let residentSlackBytes: Int64 = 2 << 20

    public static func checks() -> [Check] {
        [
            Check("evicted-values-released") { context in
                let capacity = 50
                try await warmUp(context)
                let cache = try await RemoteLRUCache<Int, Int>.make(context, capacity: capacity, values: .heavy, heavyBytes: heavyBytes)
                let baseline = try residentBytes(context)
                _ = try await cache.perform((0..<1_000).map { IntOperation.put($0, $0) })
                let count = try await cache.count()
                try require(count == capacity, "after 1000 puts of distinct keys at capacity \(capacity), count is \(count); "
                    + "expected \(capacity)")
                try requireHeld(context, baseline: baseline, held: capacity, after: "1000 puts of distinct keys at capacity \(capacity)")
                let (created, released) = try await cache.lifetimes()
                let live = created - released
                context.note("1000 values put at capacity \(capacity): \(live) still alive, \(released) released (the subject's count)")
                try require(live <= capacity, "after 1000 puts of distinct keys at capacity \(capacity), \(live) of the 1000 values "
                    + "are still alive; expected at most \(capacity), the entries the cache holds (evicted values are never "
                    + "released: something still references evicted entries)")
                try crossCheck(context, baseline: baseline, kept: capacity, reportedLive: live,
                               after: "1000 puts of distinct keys at capacity \(capacity)")
            },

            Check("overwritten-values-released") { context in
                let capacity = 10
                try await warmUp(context)
                let cache = try await RemoteLRUCache<Int, Int>.make(context, capacity: capacity, values: .heavy, heavyBytes: heavyBytes)
                let baseline = try residentBytes(context)
                var puts: [IntOperation] = []
                for round in 0...100 {
                    for key in 0..<capacity { puts.append(.put(key, round * 1_000 + key)) }
                }
                _ = try await cache.perform(puts)
                let count = try await cache.count()
                try require(count == capacity, "after putting keys 0..<\(capacity) 101 times each at capacity \(capacity), "
                    + "count is \(count); expected \(capacity)")
                let answers = try await cache.perform((0..<capacity).map { IntOperation.get($0) })
                for (key, answer) in answers.enumerated() {
                    let payload = try RemoteLRUCache<Int, Int>.value(of: answer)
                    try require(payload == 100_000 + key, "after putting keys 0..<\(capacity) 101 times each, get(\(key)) returned "
                        + "\(payload.map { "the value of round \($0 / 1_000)" } ?? "nil"); expected the value of round 100 (the last put wins)")
                }
                let (created, released) = try await cache.lifetimes()
                let live = created - released
                context.note("\(created) values put on \(capacity) keys: \(live) still alive (the subject's count)")
                try require(live <= capacity, "after putting keys 0..<\(capacity) 101 times each (\(created) values), "
                    + "\(live) values are still alive; expected at most \(capacity), one per key (overwritten values are never released)")
                try crossCheck(context, baseline: baseline, kept: capacity, reportedLive: live,
                               after: "putting keys 0..<\(capacity) 101 times each")
            },

            Check("released-with-cache") { context in
                try await warmUp(context)
                for capacity in [1, 7, 100] {
                    let baseline = try residentBytes(context)
                    let cache = try await RemoteLRUCache<Int, Int>.make(context, capacity: capacity, values: .heavy,
                                                                      heavyBytes: heavyBytes)
                    let keys = capacity * 3 / 2 + 1
                    var operations: [IntOperation] = (0..<keys).map { .put($0, $0) }
                    operations += stride(from: keys - 1, through: keys - capacity, by: -2).map { .get($0) }
                    operations += stride(from: keys - 1, through: keys - capacity, by: -3).map { .put($0, $0 + 10_000) }
                    _ = try await cache.perform(operations)
                    let count = try await cache.count()
                    if count == capacity {
                        try requireHeld(context, baseline: baseline, held: capacity, after: "\(keys) puts at capacity \(capacity)")
                    }
                    let deinitialised = try await cache.release()
                    let (created, released) = try await cache.lifetimes()
                    let live = created - released
                    try require(count == capacity, "after \(keys) puts of distinct keys at capacity \(capacity), "
                        + "count was \(count); expected \(capacity)")
                    context.note("capacity \(capacity): \(created) values put; after the cache was released, "
                        + "\(live) still alive; cache object released: \(deinitialised) (the subject's count)")
                    try require(deinitialised, "a cache of capacity \(capacity) was still alive after its last "
                        + "reference was dropped; expected it to be deinitialised (a reference cycle through the cache itself?)")
                    try require(live == 0, "after a cache of capacity \(capacity) holding \(count) entries was released, \(live) "
                        + "of its values were still alive; expected 0 (a reference cycle among the entries, e.g. strong "
                        + "links in both directions of the list)")
                    try crossCheck(context, baseline: baseline, kept: 0, reportedLive: live,
                                   after: "a cache of capacity \(capacity) was used and released")
                }
            },

            Check("bounded-memory") { context in
                let capacity = boundedCapacity
                let cache = try await RemoteLRUCache<Int, Int>.make(context, capacity: capacity, values: .tracked)
                let cpuBefore = try? context.meter.read().cpuMicros
                var generator = SeededGenerator(seed: 0xB0_0DED)
                var baseline: Int64 = 0
                let checkpoint = boundedPuts / 10
                let perBatch = checkpoint / 4
                var peakLive = 0
                var puts = 0
                var nextKey = 0
                var stoppedEarly = false
                let started = DriverClock.nanos()
                while puts < boundedPuts {
                    // The work is sized by the cache's own speed, measured by the driver: a slow cache
                    // is judged on what it could do in the check's time (speed is o1-scaling's to
                    // grade), never timed out for its memory.
                    if nextKey > 0 && nextKey % checkpoint == 0 {
                        let secondsPerKey = DriverClock.seconds(since: started) / Double(nextKey)
                        let budget = context.budgetSeconds * boundedWorkShare
                        if nextKey >= boundedMinimumKeys {
                            if context.elapsedSeconds + 1.5 * secondsPerKey * Double(checkpoint) > budget {
                                stoppedEarly = true
                                break
                            }
                        } else if context.elapsedSeconds + 1.5 * secondsPerKey * Double(boundedMinimumKeys - nextKey) > budget {
                            throw CheckSkipped("too slow to judge its memory: \(puts) puts (\(nextKey) keys) took "
                                + "\(formatSeconds(DriverClock.seconds(since: started))), about "
                                + "\(formatDuration(nanos: secondsPerKey * 1e9)) a key (timed by the driver), so the "
                                + "\(boundedMinimumKeys) keys it takes to judge memory would not fit in the check's time; up to "
                                + "then at most \(peakLive) values were alive at the checkpoints, and memory had not outgrown "
                                + "its limit. Speed is what o1-scaling grades")
                        }
                    }
                    // Mostly new keys (each evicts one); every fourth step also updates and reads a
                    // recent key.
                    var batch: [IntOperation] = []
                    batch.reserveCapacity(perBatch + perBatch / 2)
                    for _ in 0..<perBatch {
                        batch.append(.put(nextKey, nextKey))
                        puts += 1
                        if nextKey & 3 == 0 && nextKey > 0 {
                            let recent = nextKey - 1 - Int(generator.next() % UInt64(min(nextKey, capacity / 2)))
                            batch.append(.put(recent, recent))
                            batch.append(.get(recent))
                            puts += 1
                        }
                        nextKey += 1
                    }
                    let answers = try await cache.perform(batch)
                    // A value read back is the one put under its key (the payload is the key).
                    for (operation, answer) in zip(batch, answers) where operation.kind == .get {
                        if let value = try RemoteLRUCache<Int, Int>.value(of: answer), value != operation.key {
                            throw CheckFailure("after put(\(operation.key), …), get(\(operation.key)) returned the value put under key "
                                + "\(value); expected nil or the value put under \(operation.key)")
                        }
                    }
                    if nextKey % checkpoint == 0 {
                        let (created, released) = try await cache.lifetimes()
                        let live = created - released
                        peakLive = max(peakLive, live)
                        let count = try await cache.count()
                        try require(count == capacity, "after \(puts) puts (\(nextKey) distinct keys) at capacity \(capacity), "
                            + "count is \(count); expected \(capacity)")
                        try require(live <= capacity, "after \(puts) puts at capacity \(capacity), \(live) values are still "
                            + "alive; expected at most \(capacity) (dropped values are not released)")
                        if nextKey == checkpoint {
                            baseline = try residentBytes(context)
                        } else {
                            // A leak shows as soon as it outgrows the limit, however far the run gets.
                            let growth = try residentBytes(context) - baseline
                            try require(growth <= maximumGrowthBytes, "over \(puts) puts at capacity \(capacity), resident memory "
                                + "grew by \(formatBytes(growth)) after warm-up; expected at most \(formatBytes(maximumGrowthBytes)): "
                                + "the cache keeps something for every key it ever saw")
                        }
                    }
                }
                let ending = try residentBytes(context)
                let growth = ending - baseline
                if let cpuBefore, let cpuAfter = try? context.meter.read().cpuMicros {
                    context.note("the subject used \(formatSeconds(Double(cpuAfter &- cpuBefore) / 1e6)) of CPU for the \(puts) puts "
                        + "(read from outside; a subject that skipped the work would use next to none)")
                }
                if stoppedEarly {
                    context.note("stopped after \(puts) puts (\(nextKey) keys) of \(boundedPuts), to finish within the check's time "
                        + "at the speed measured (\(formatSeconds(DriverClock.seconds(since: started))) so far): memory is judged "
                        + "on these")
                }
                context.note("\(puts) puts at capacity \(capacity): at most \(peakLive) values alive at the checkpoints (the "
                    + "subject's count); resident memory, read from outside, \(formatBytes(baseline)) after warm-up, "
                    + "\(formatBytes(ending)) at the end (growth \(formatBytes(growth)), limit \(formatBytes(maximumGrowthBytes)))")
                try require(growth <= maximumGrowthBytes, "over \(puts) puts at capacity \(capacity), resident memory grew by "
                    + "\(formatBytes(growth)) after warm-up (from \(formatBytes(baseline)) to \(formatBytes(ending))); expected at "
                    + "most \(formatBytes(maximumGrowthBytes)): the cache keeps something for every key it ever saw")
            },
        ]
    }

    /// Runs the requests a release check makes once, on a throwaway cache, before any baseline is
    /// read: a fresh subject's first requests grow its memory by a megabyte or two (a thread's
    /// stack, an allocator arena) that no value accounts for.
    static func warmUp(_ context: CheckContext) async throws {
        let cache = try await RemoteLRUCache<Int, Int>.make(context, capacity: 4, values: .heavy, heavyBytes: heavyBytes)
        _ = try await cache.perform((0..<8).map { IntOperation.put($0, $0) })
        _ = try await cache.perform((0..<8).map { IntOperation.get($0) })
        _ = try await cache.count()
        _ = try await cache.release()
        _ = try await cache.lifetimes()
    }

    /// Fails when resident memory, read from outside the subject, shows more heavy values than
    /// `kept` still alive, whatever the subject's own count said.
    /// Fails unless resident memory, read from outside, grew by at least the `held` heavy values
    /// the cache now holds (give or take the slack): the operations were performed.
    static func requireHeld(_ context: CheckContext, baseline: Int64, held: Int, after what: String) throws {
        let growth = try residentBytes(context) - baseline
        let needed = Int64(held * heavyBytes) - residentSlackBytes
        guard needed > 0 else { return }
        try require(growth >= needed, "after \(what), the subject's resident memory grew by only \(formatBytes(growth)); the "
            + "\(held) values the cache holds take \(formatBytes(Int64(held * heavyBytes))): the operations were not performed as asked")
    }

    static func crossCheck(_ context: CheckContext, baseline: Int64, kept: Int, reportedLive: Int,
                           valueBytes: Int = heavyBytes, after what: String) throws {
        let now = try residentBytes(context)
        let growth = now - baseline
        let allowed = Int64(kept * valueBytes) + residentSlackBytes
        let resident = max(0, growth) / Int64(valueBytes)
        context.note("resident memory, read from outside the subject: \(formatBytes(baseline)) before, \(formatBytes(now)) "
            + "after \(what) (about \(resident) values of \(valueBytes >> 10) KiB; at most \(kept) kept, "
            + "\(formatBytes(residentSlackBytes)) allowed besides)")
        if growth > allowed {
            throw CheckFailure("after \(what), the subject's resident memory grew by \(formatBytes(growth)), about \(resident) "
                + "values of \(valueBytes >> 10) KiB each; expected at most \(kept) kept (\(formatBytes(allowed)) with slack)"
                + (reportedLive <= kept ? ", although the subject reported only \(reportedLive) alive: its own count is not "
                   + "borne out by its memory" : ": released values are still held"))
        }
    }
}
