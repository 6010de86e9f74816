import DriverKit
import Wire

/// One cache shared by 8 OS threads in the subject, released together: the subject records each
/// operation's answer and when it was called and returned, and the driver judges the history.
///
/// Each check first rehearses on one thread: the start of `differential-model`'s run at the
/// storm's capacity, the same requests as in that check (``LRUDifferentialChecks/rehearse(_:capacity:)``).
/// A violation there is a functional bug (say, a count that is not decremented on eviction),
/// reported as a plain failure; a wrong answer or a crash there that `differential-model` did not
/// see is `inconsistent-behaviour`. Making and filling the storm's cache, and making the first
/// lost-update round's cache, is the `setup` phase, still on one thread (so a subject that fails when
/// a cache is made, as in the race pass, which skips the rehearsal, has not reached the threads).
/// Everything after it is the `concurrent` phase, whose failures are the ones that raise
/// `no-concurrency-handling` (the mapping's red-flag rules require that phase): a violation that only
/// appears with 8 threads is missing concurrency handling. The race pass skips the rehearsal. A
/// storm stops starting operations after a share of the budget (so the ThreadSanitizer pass, many
/// times slower, still finishes).
///
/// The driver's judgement, in order: the challenge's rules on every answer (never another key's
/// value, `count` within the capacity; with room for every key, no update lost and `count` between
/// what had certainly and what had possibly been inserted); then that every thread returned and
/// the structure the storm left is whole (asked of the subject while its budget runs, before the
/// driver's own search); then linearizability, key by key (a
/// Wing–Gong search with Lowe's memoisation, partitioned as Porcupine partitions a key-value
/// store; see ``KeyRegister`` for why the per-key model is sound with evictions); a storm in which
/// no two operations overlapped fails (the subject's runtime releases the threads together, so only
/// made-up times get there). Threads
/// that never return are a timeout (diagnosed busy or blocked from outside), not a failure: a
/// deadlock is a locking bug, not missing locking.
public enum LRUConcurrencyChecks {
    static let threads = 8
    /// Threads stop starting new work after this share of the check's budget.
    static let workShareOfBudget = 0.35

    static let stormCapacity = 64
    static let stormKeySpace = 256
    static let stormOperationsPerThread = 60_000

    /// Keys per thread of the lost-update rounds: all of them fit in a cache of one of
    /// `differential-model`'s capacities (8 × 125 = 1,000), whose run is the check's rehearsal.
    static let lostUpdateKeysPerThread = 125
    static let lostUpdateRounds = 30
    /// While no round has shown two threads at once, rounds go on past `workShareOfBudget`, up to
    /// this share of the budget and `maximumLostUpdateRounds`. A thread's 125 puts take well under a
    /// scheduler slice: when another check's storm holds the cores, the eight threads can each run
    /// alone, one after another, in round after round (seen once in a fidelity run, after a slow
    /// rehearsal left time for one round). More rounds, across the storm's end, see them overlap.
    static let overlapShareOfBudget = 0.7
    static let maximumLostUpdateRounds = 400

    /// At least this share of the storm's completed gets must hit. Every alternative and every
    /// variant measured 61–63% (the storm's note in their reports, 2026-12), whatever its eviction
    /// order: half the operations go to 16 hot keys of a 64-entry cache. A history in which the
    /// gets never hit (answers made up without running the cache) is not a storm that ran.
    static let minimumStormHitShare = 0.2
    /// Below this many completed gets the share is not judged.
    static let minimumGetsForHitShare = 200

    /// The phase whose failures raise `no-concurrency-handling`.
    static let concurrentPhase = "concurrent"
    /// The single-threaded making (and for the storm, filling) of a cache, after the rehearsal.
    static let setupPhase = "setup"
    /// A storm's threads start work for at least this long, whatever the rehearsal took.
    static let minimumWorkMillis = 300

    public static func checks() -> [Check] {
        [
            Check("concurrent-storm") { context in
                try await storm(context)
            },
            Check("concurrent-lost-updates") { context in
                try await lostUpdates(context)
            },
        ]
    }

    // MARK: The storm

    /// Thread `thread`'s seeded mix of get (7/16), put (8/16) and count (1/16), half of it on 16
    /// hot keys, so threads collide on the same entries. Every put's value is a fresh id.
    static func stormOperations(thread: Int, count: Int, registry: PutRegistry) -> [IntOperation] {
        var generator = SeededGenerator(seed: 0x5707_0000 &+ UInt64(thread))
        return (0..<count).map { _ in
            let draw = generator.next()
            let key = draw & 1 == 0 ? Int((draw >> 8) % 16) : Int((draw >> 8) % UInt64(stormKeySpace))
            switch (draw >> 1) & 15 {
            case 0: return .count
            case 1...7: return .get(key)
            default: return .put(key, registry.add(key: key, writer: thread))
            }
        }
    }

    /// Mixed get/put/count on overlapping keys of a cache too small for them: every value records
    /// the key it was put under, so a get that returns another key's value, or a count above the
    /// capacity, is caught.
    static func storm(_ context: CheckContext) async throws {
        let capacity = stormCapacity
        let keySpace = stormKeySpace
        try await LRUDifferentialChecks.rehearse(context, capacity: capacity)
        // The storm's cache, filled and read back on one thread: still single-threaded, so a failure
        // here is a functional bug, not the storm's. In the race pass it runs too (the storm needs
        // its cache), but whatever it finds, the threads start: the pass watches what they do, and
        // no answer of its is scored.
        context.enterPhase(setupPhase)
        let registry = PutRegistry()
        let cache = try await RemoteLRUCache<Int, Int>.make(context, capacity: capacity, values: .shared)
        try await cache.performQuietly((0..<capacity).map { IntOperation.put($0, registry.add(key: $0, writer: -1)) })
        var initial: [Int: Int] = [:]
        do {
            initial = try await verifyQuiescent(cache, keys: Array(0..<keySpace), capacity: capacity, registry: registry,
                                                when: "after put(k, …) for k in 0..<\(capacity), before the threads started")
        } catch let failure as CheckFailure where DriverRun.isRacePass {
            context.note("before the threads started: \(failure.message) (the race pass starts them anyway)")
        }
        context.enterPhase(concurrentPhase)

        let what = "\(threads) threads doing get/put/count on keys 0..<\(keySpace) of one cache of capacity \(capacity)"
        let sent = (0..<threads).map { stormOperations(thread: $0, count: stormOperationsPerThread, registry: registry) }
        let report = try await cache.storm(sent, workMillis: workMillis(context), waitMillis: waitMillis(context))
        let history = StormHistory(report: report, sent: sent)
        try judgeRules(history, registry: registry, capacity: capacity, what: what, context: context)
        let gets = history.operations.filter { $0.operation.kind == .get }
        let hits = gets.count { $0.result.map { $0 != LRUStormCode.absent } ?? false }
        let counts = history.operations.count { $0.operation.kind == .count }
        context.note("storm: \(threads) threads, \(history.completed) operations (\(hits) get hits, \(counts) count samples) "
            + "in \(formatSeconds(context.elapsedSeconds))")
        if gets.count >= minimumGetsForHitShare, Double(hits) < minimumStormHitShare * Double(gets.count) {
            throw CheckFailure("during \(what), only \(hits) of the \(gets.count) completed gets found their key "
                + "(\(Int(Double(hits) * 100 / Double(gets.count)))%); half the operations go to 16 hot keys of a cache of "
                + "capacity \(capacity), where an LRU cache finds about 60%: the storm's operations were not performed as asked")
        }
        try await requireReturned(history, what: what, context: context)

        // Quiescent again: the structure must be whole. Asked before the linearizability search,
        // which may take seconds: the subject is never left waiting past its budget for these.
        _ = try await verifyQuiescent(cache, keys: Array(0..<keySpace), capacity: capacity, registry: registry,
                                            when: "after the storm (\(what))")
        let more = (10_000..<(10_000 + capacity)).map { IntOperation.put($0, registry.add(key: $0, writer: -2)) }
        try await cache.performQuietly(more)
        _ = try await verifyQuiescent(cache, keys: Array(0..<keySpace) + Array(10_000..<(10_000 + capacity)), capacity: capacity,
                                      registry: registry, when: "after the storm and \(capacity) more single-threaded puts of new keys")

        try requireLinearizable(history, initial: initial, evictable: true, registry: registry, what: what, context: context)
        // As in the lost-update check: only a tampered runtime reports no overlap.
        guard history.observedConcurrency else {
            throw CheckFailure("no two of the storm's \(history.completed) operations overlapped in time: the check could "
                + "not observe any concurrency, and the subject's runtime starts its threads together, so the times it "
                + "reported are not what happened")
        }
    }

    static func countViolation(_ count: Int, capacity: Int, thread: Int, index: Int, what: String) -> String? {
        guard count > capacity || count < 0 else { return nil }
        return "while \(what), count returned \(count) (thread \(thread), operation #\(index)); expected at most \(capacity)"
    }

    static func valueViolation(_ id: Int, key: Int, registry: PutRegistry, thread: Int, index: Int, what: String) -> String? {
        guard let owner = registry.key(of: id) else {
            return "while \(what), get(\(key)) returned a value that was never put (thread \(thread), operation #\(index)); "
                + "expected nil or a value put under key \(key)"
        }
        guard owner != key else { return nil }
        return "while \(what), get(\(key)) returned the value put under key \(owner) by thread \(registry.writer(of: id)) "
            + "(thread \(thread), operation #\(index)); expected nil or a value put under key \(key)"
    }

    /// The rules on every completed operation of a storm; the violation that happened first
    /// (by return time) is reported.
    static func judgeRules(_ history: StormHistory, registry: PutRegistry, capacity: Int, what: String,
                           context: CheckContext) throws {
        var first: (time: UInt64, message: String)?
        for observed in history.operations {
            guard let result = observed.result, let returned = observed.returned else { continue }
            if let earlier = first, earlier.time <= returned { continue }
            var message: String?
            switch observed.operation.kind {
            case .count:
                message = countViolation(Int(result), capacity: capacity, thread: observed.thread, index: observed.index, what: what)
            case .get where result != LRUStormCode.absent:
                message = valueViolation(Int(result), key: observed.operation.key, registry: registry, thread: observed.thread,
                                         index: observed.index, what: what)
            default:
                break
            }
            if let message { first = (returned, message) }
        }
        if let first {
            if history.hungThreads > 0 {
                context.note("\(what): \(history.hungThreads) of \(threads) threads never returned from the cache")
            }
            throw CheckFailure(first.message)
        }
    }

    /// Threads that never returned make the check a timeout, with the busy/blocked diagnosis read
    /// from outside the subject.
    static func requireReturned(_ history: StormHistory, what: String, context: CheckContext) async throws {
        guard history.hungThreads > 0 else { return }
        let state: String
        switch await context.meter.isBusy() {
        case true?: state = "still using CPU (an endless loop or livelock inside the cache?)"
        case false?: state = "blocked, using no CPU (a deadlock inside the cache?)"
        case nil: state = "in a state that could not be measured"
        }
        context.note("\(what): only \(threads - history.hungThreads) of \(threads) threads had returned when the storm's "
            + "wait ended; the others were \(state)")
        throw CheckTimeout("the storm (\(threads - history.hungThreads) of \(threads) threads returned)")
    }

    /// Count equals the capacity (the cache was full and entries are only ever replaced), every
    /// present key holds its own value, and the number of present keys equals the count. Returns
    /// what each present key holds (value ids).
    static func verifyQuiescent(_ cache: RemoteLRUCache<Int, Int>, keys: [Int], capacity: Int, registry: PutRegistry,
                                when: String) async throws -> [Int: Int] {
        let answers = try await cache.perform([IntOperation.count] + keys.map { IntOperation.get($0) })
        let count = try RemoteLRUCache<Int, Int>.count(of: answers[0])
        try require(count == capacity, "\(when), with every thread finished, count is \(count); expected \(capacity) (the cache "
            + "was full before the storm and puts only replace or evict entries)")
        var present: [Int: Int] = [:]
        for (key, answer) in zip(keys, answers.dropFirst()) {
            guard let id = try RemoteLRUCache<Int, Int>.value(of: answer) else { continue }
            let owner = registry.key(of: id)
            try require(owner == key, "\(when), get(\(key)) returned "
                + (owner.map { "the value put under key \($0)" } ?? "a value that was never put")
                + "; expected nil or a value put under key \(key): the structure was corrupted")
            present[key] = id
        }
        try require(present.count == count, "\(when), \(present.count) keys are present (get returned a value) but count is \(count); "
            + "expected them to agree: the structure was corrupted")
        return present
    }

    static func workMillis(_ context: CheckContext) -> Int {
        max(minimumWorkMillis, Int((context.budgetSeconds * workShareOfBudget - context.elapsedSeconds) * 1000))
    }

    /// Leaves the driver a second and a half to judge before the budget ends.
    static func waitMillis(_ context: CheckContext) -> Int {
        Int(max(0.5, context.remainingSeconds - 1.5) * 1000)
    }

    // MARK: Lost updates

    /// Thread `thread`'s puts of its own keys (interleaved with the other threads' key ranges),
    /// each eighth followed by a read of the key it put four puts earlier, each 64th by a count.
    static func putWork(thread: Int, registry: PutRegistry) -> [IntOperation] {
        var operations: [IntOperation] = []
        for index in 0..<lostUpdateKeysPerThread {
            let key = index * threads + thread
            operations.append(.put(key, registry.add(key: key, writer: thread)))
            if index & 7 == 7 { operations.append(.get((index - 4) * threads + thread)) }
            if index & 63 == 31 { operations.append(.count) }
        }
        return operations
    }

    /// Threads put disjoint keys into a cache big enough for all of them; afterwards every key must
    /// be there with its own value. A single-threaded rehearsal first, then fresh caches each round.
    static func lostUpdates(_ context: CheckContext) async throws {
        let capacity = threads * lostUpdateKeysPerThread
        try await LRUDifferentialChecks.rehearse(context, capacity: capacity)
        let workEnd = context.budgetSeconds * workShareOfBudget
        let overlapEnd = context.budgetSeconds * overlapShareOfBudget
        var round = 0
        var overlapped = false
        var searched = 0
        var steps = 0
        while round < (overlapped ? lostUpdateRounds : maximumLostUpdateRounds) {
            if round > 0 && context.elapsedSeconds > (overlapped ? workEnd : overlapEnd) { break }
            let what = "\(threads) threads each putting \(lostUpdateKeysPerThread) distinct keys (\(capacity) in all) into one "
                + "cache of capacity \(capacity) (round \(round + 1))"
            let registry = PutRegistry()
            // Making the first round's cache is single-threaded: a failure there is not the threads'.
            // Once threads have run, the check has reached them (what they did can break what follows).
            if round == 0 { context.enterPhase(setupPhase) }
            let cache = try await RemoteLRUCache<Int, Int>.make(context, capacity: capacity, values: .shared)
            context.enterPhase(concurrentPhase)
            let sent = (0..<threads).map { putWork(thread: $0, registry: registry) }
            // Every thread finishes its round (a partial round would lose keys): the storm is bounded
            // only by its wait.
            let report = try await cache.storm(sent, workMillis: waitMillis(context), waitMillis: waitMillis(context))
            let history = StormHistory(report: report, sent: sent)
            if let message = try readbackViolation(in: history, registry: registry, capacity: capacity, what: what) {
                if history.hungThreads > 0 {
                    context.note("\(what): \(history.hungThreads) of \(threads) threads never returned from the cache")
                }
                throw CheckFailure(message)
            }
            try requireCountsLinearizable(history, what: what)
            try await requireReturned(history, what: what, context: context)
            // The subject's part first (see `storm`): the search below may take seconds.
            try await verifyAllPresent(cache, capacity: capacity, registry: registry, after: what, cause: "concurrent puts lost updates")
            let verdict = Linearizability.check(KeyRegister(evictable: false), partitions: history.keyPartitions(initial: [:]),
                                                steps: &steps)
            searched += history.completed
            if verdict != .linearizable {
                try requireLinearizable(history, initial: [:], evictable: false, registry: registry, what: what, context: context)
            }
            overlapped = overlapped || history.observedConcurrency
            round += 1
        }
        // The subject's runtime releases the threads together, so only a tampered runtime (made-up
        // times) gets here: failing, not "not assessed", leaves it nothing to gain.
        guard overlapped else {
            throw CheckFailure("in \(round) rounds over \(formatSeconds(context.elapsedSeconds)), no two operations overlapped in "
                + "time: the check could not observe any concurrency, and the subject's runtime starts its threads together, so "
                + "the times it reported are not what happened")
        }
        context.note("\(round) rounds of \(threads) threads × \(lostUpdateKeysPerThread) puts, no update lost, every round "
            + "linearizable key by key (\(searched) operations, \(steps) search steps) with counts in range, in "
            + "\(formatSeconds(context.elapsedSeconds))")
    }

    static func readbackViolation(in history: StormHistory, registry: PutRegistry, capacity: Int, what: String) throws -> String? {
        for observed in history.operations {
            guard let result = observed.result else { continue }
            switch observed.operation.kind {
            case .get:
                let id = result == LRUStormCode.absent ? nil : Int(result)
                if let message = readbackViolation(id, key: observed.operation.key, registry: registry, thread: observed.thread,
                                                   what: what) { return message }
            case .count where result > Int64(capacity) || result < 0:
                return "while \(what), count returned \(result); expected at most \(capacity)"
            default:
                break
            }
        }
        return nil
    }

    static func readbackViolation(_ id: Int?, key: Int, registry: PutRegistry, thread: Int, what: String) -> String? {
        guard id.flatMap(registry.key(of:)) != key else { return nil }
        return "while \(what), thread \(thread) put key \(key) and four puts later get(\(key)) returned "
            + (id.map { registry.key(of: $0).map { "the value put under key \($0)" } ?? "a value that was never put" } ?? "nil")
            + "; expected its own value (the cache has room for every key, so nothing may be evicted)"
    }

    /// With room for every key and each key put once, a count is linearizable exactly when it lies
    /// between the puts that had returned before it was called and those called before it returned.
    static func requireCountsLinearizable(_ history: StormHistory, what: String) throws {
        var putReturns: [UInt64] = []
        var putInvokes: [UInt64] = []
        for observed in history.operations where observed.operation.kind == .put {
            putInvokes.append(observed.invoked)
            putReturns.append(observed.returned ?? .max)
        }
        putReturns.sort()
        putInvokes.sort()
        func countBelow(_ values: [UInt64], _ bound: UInt64) -> Int {
            var low = 0, high = values.count
            while low < high {
                let middle = (low + high) / 2
                if values[middle] < bound { low = middle + 1 } else { high = middle }
            }
            return low
        }
        for observed in history.operations where observed.operation.kind == .count {
            guard let result = observed.result, let returned = observed.returned else { continue }
            let certain = countBelow(putReturns, observed.invoked)
            let possible = countBelow(putInvokes, returned == .max ? .max : returned + 1)
            if result < Int64(certain) || result > Int64(possible) {
                throw CheckFailure("while \(what), count returned \(result) (thread \(observed.thread)); at that moment \(certain) "
                    + "puts of distinct keys had returned and \(possible) had been called, so no order of the operations "
                    + "gives that count: updates were lost or counted twice")
            }
        }
    }

    /// Every key `0..<capacity` present with the value its thread put, and count exactly `capacity`.
    static func verifyAllPresent(_ cache: RemoteLRUCache<Int, Int>, capacity: Int, registry: PutRegistry, after what: String,
                                 cause: String) async throws {
        let answers = try await cache.perform([IntOperation.count] + (0..<capacity).map { IntOperation.get($0) })
        let count = try RemoteLRUCache<Int, Int>.count(of: answers[0])
        var missing: [Int] = []
        var missingCount = 0
        for (key, answer) in answers.dropFirst().enumerated() {
            let id = try RemoteLRUCache<Int, Int>.value(of: answer)
            let owner = id.flatMap(registry.key(of:))
            if owner != key || registry.writer(of: id!) != key % threads {
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
