import DriverKit
import Wire

/// A long seeded run of mixed operations, compared step by step with ``ReferenceLRUModel``.
///
/// The operations go to the subject in batches (growing from 1,024 to 16,384, so an early
/// divergence is found after little work), each followed by a `count`; the driver runs the model
/// alongside and compares every answer. The model and the expected answers never leave the driver.
public enum LRUDifferentialChecks {
    /// Capacities run in order; each gets `operationsPerCapacity` operations. The storm's capacity
    /// comes first, so its rehearsal (a prefix of this run) is the same requests, in a fresh process,
    /// as this check's.
    static let capacities = [64, 1, 2, 7, 1_000]
    /// Operations of a concurrent check's rehearsal: the first four batches of a capacity's run.
    static let rehearsalOperations = 1_024 + 2_048 + 4_096 + 8_192
    static let operationsPerCapacity = 100_000
    static let baseSeed: UInt64 = 0x5EED_1A2B_3C4D_0001
    static let firstBatch = 1_024
    static let largestBatch = 16_384

    public static func checks() -> [Check] {
        [
            Check("differential-model") { context in
                for capacity in capacities {
                    try await run(context, capacity: capacity, seed: context.seed(default: baseSeed) &+ UInt64(capacity))
                }
            },
        ]
    }

    /// One capacity's run: a fresh cache and `operationsPerCapacity` seeded operations compared
    /// with the model. The concurrent checks rehearse with it (`seed` the check's default: the
    /// same requests as here), so a rehearsal cannot be told from this check.
    static func run(_ context: CheckContext, capacity: Int, seed: UInt64, operations: Int = operationsPerCapacity,
                    judging: Judgement = .model) async throws {
        let cache = try await RemoteLRUCache<Int, Int>.make(context, capacity: capacity)
        try await compare(cache, capacity: capacity, seed: seed, operations: operations, judging: judging, context: context)
        context.note("capacity \(capacity), seed \(seed): \(operations) operations "
            + (judging == .model ? "agreed with the model" : "kept the rules"))
    }

    /// What a run holds the answers to.
    enum Judgement: Equatable {
        /// Every answer an LRU cache's (this check).
        case model
        /// Only what every cache of `capacity` entries that evicts one entry when full obeys,
        /// whatever it evicts (a concurrent check's rehearsal: the order of eviction is this check's
        /// to grade, not the storms'): the count is the number of distinct keys put, up to the
        /// capacity; a get returns nil or the last value put under its key; and until more distinct
        /// keys were put than fit, none can have been evicted, so a get of a key put finds it. What
        /// the storms ask of a cache is in these.
        case rules
    }

    /// The rehearsal of a concurrent check whose cache has `capacity` (one of ``capacities``): the
    /// first ``rehearsalOperations`` of that capacity's run of `differential-model`, one thread,
    /// the same requests, its answers held to the storm's rules. A deterministic cache whose answers
    /// kept the model in `differential-model` keeps these rules here.
    static func rehearse(_ context: CheckContext, capacity: Int) async throws {
        try await context.rehearse(as: "differential-model") {
            try await run(context, capacity: capacity, seed: baseSeed &+ UInt64(capacity), operations: rehearsalOperations,
                          judging: .rules)
        }
    }

    /// Runs `operations` seeded operations on `cache` and the model, comparing every `get` result
    /// and the count after every operation; throws at the first divergence.
    static func compare(_ cache: RemoteLRUCache<Int, Int>, capacity: Int, seed: UInt64,
                        operations: Int, judging: Judgement = .model, context: CheckContext) async throws {
        /// For `.rules`: the last value put under each key, and whether more distinct keys were
        /// put than fit.
        var lastValue: [Int: Int] = [:]
        var overflowed = false
        var model = ReferenceLRUModel(capacity: capacity)
        var generator = SeededGenerator(seed: seed)
        /// An operation as the transcript shows it: what was called, what the cache and the model
        /// answered (gets), and what the put evicted in the model.
        struct Step {
            var operation: IntOperation
            var actual: Int?
            var expected: Int?
            var evicts: Int?
        }
        var recent = RecentOperations<Step>(keep: 10) { step in
            switch step.operation.kind {
            case .get:
                "get(\(step.operation.key)) → \(describe(step.actual))"
                    + (step.actual == step.expected ? "" : " (model: \(describe(step.expected)))")
            case .put:
                "put(\(step.operation.key), \(step.operation.value))" + (step.evicts.map { " evicts \($0)" } ?? "")
            case .count:
                "count"
            }
        }
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
            return CheckFailure((judging == .model ? "differential run against a reference LRU model" : "differential-model's run, its answers held to the storms' rules")
                + " (capacity \(capacity), seed \(seed)): at operation #\(index), \(what). Last operations: \(tail)")
        }

        var index = 0
        var batchSize = firstBatch
        while index < operations {
            let count = min(batchSize, operations - index)
            var batch: [IntOperation] = []
            batch.reserveCapacity(count)
            for offset in 0..<count {
                let draw = generator.next()
                let key: Int
                if draw & 0b11 == 0 {
                    key = lastKeys[Int((draw >> 2) & 7)]
                } else {
                    key = Int((draw >> 8) % keySpace)
                }
                lastKeys[(index + offset) & 7] = key
                batch.append((draw >> 5) & 1 == 0 ? .get(key) : .put(key, index + offset))
            }
            let answers = try await cache.perform(batch, countAfterEach: true)
            for (offset, operation) in batch.enumerated() {
                let position = index + offset
                let key = operation.key
                switch operation.kind {
                case .get:
                    let expected = model.get(key)
                    let actual = try RemoteLRUCache<Int, Int>.value(of: answers[2 * offset])
                    recent.append(Step(operation: operation, actual: actual, expected: expected))
                    if judging == .rules {
                        if let actual, actual != lastValue[key] {
                            throw diverged(position, "get(\(key)) returned \(actual); expected nil or "
                                + (lastValue[key].map { "\($0), the last value put under \(key)" } ?? "nil (\(key) was never put)"))
                        }
                        if actual == nil, let last = lastValue[key], !overflowed {
                            throw diverged(position, "get(\(key)) returned nil; expected \(last): no more distinct keys were put "
                                + "than the capacity holds, so nothing can have been evicted")
                        }
                    } else if actual != expected {
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
                        throw diverged(position, "get(\(key)) returned \(describe(actual)); expected \(describe(expected)) (\(why))")
                    }
                case .put:
                    let value = operation.value
                    if judging == .rules {
                        lastValue[key] = value
                        if lastValue.count > capacity { overflowed = true }
                    }
                    let evicts = model.count == capacity && !model.contains(key) ? model.leastRecentlyUsed : nil
                    model.put(key, value)
                    if let evicted = evicts { evictions[evicted] = (position, key) }
                    recent.append(Step(operation: operation, evicts: evicts))
                case .count:
                    break
                }
                let expectedCount = model.count
                let count = try RemoteLRUCache<Int, Int>.count(of: answers[2 * offset + 1])
                // The count does not depend on which entries were evicted: the model's is every cache's.
                if count != expectedCount {
                    throw diverged(position, "count is \(count); expected \(expectedCount)")
                }
            }
            index += count
            batchSize = min(largestBatch, batchSize * 2)
        }
    }
}
