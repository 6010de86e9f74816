import DriverKit
import Wire

/// O(1) by scaling: the time per operation at a large capacity against a capacity 100 times
/// smaller, measured by the driver's clock around each batch (outside the subject), and bounded
/// from both sides.
///
/// - The small and the large cache live in two subject processes (``CheckContext/startSubject()``):
///   what one process knows of the other cache (that a large one exists, say, so the small one
///   should waste time to hide the ratio) it cannot know.
/// - The capacities are drawn afresh for each run (the small one between 750 and 1,500) from a seed
///   the evidence names (`--seed` replays it), so no fixed size tells the subject which check is
///   running.
/// - Besides the ratio, the large cache's time per operation is compared with an absolute figure
///   measured in the same run on the same machine: the driver's own O(1) model
///   (``ReferenceLRUModel``) doing the same operations, timed right after each batch. A cache slow on
///   purpose at the small size can flatter the ratio, not its speed at the large one.
///
/// Both caches run the same kind of seeded workload (half `get`, half `put`, keys uniform over
/// twice the capacity, so gets hit and miss and puts both update and insert-and-evict). A batch is
/// sent ahead (`load`), then run in one request whose round trip is timed: the subject's decoding
/// is outside the measurement, its answers' bytes inside (the driver decodes them after). Batches
/// alternate between the two caches, round after round, so slow phases of the machine hit both;
/// the per-operation time of each capacity is the minimum over rounds, which shrugs off
/// interruptions. Batch size is chosen from an untimed warm-up batch so a round costs about the
/// same at any speed: an O(n) cache needs far fewer operations to show.
///
/// That the batch was really run is checked on its answers: every value a get returned must have
/// been put under that key, and about half the gets must hit (the cache is full, and keys are
/// uniform over twice its capacity, whatever its eviction order). Once the clock has stopped, each
/// batch is also replayed on ``ReferenceLRUModel``, and after the timing every key is asked for
/// and compared with it: a cache that answers as an LRU cache at the small capacity and not at the
/// large one fails (its speed at the large one is not an LRU cache's); one that is not an LRU
/// cache at either is left to the semantic checks.
///
/// Calibration (2-core box, candidate code compiled as the pipeline does, so unspecialised
/// generics): O(1) solutions measure a ratio of 1.4 to 2.2; an array-based recency list measures
/// 76 to 83. Any O(n) step on a fraction of the operations still costs 100,000 element visits
/// against 1,000, so the limit of 8 leaves about 4× headroom for O(1) and 10× for O(n). Against the
/// model: see ``maximumModelRatio``.
public enum LRUScalingChecks {
    /// The small capacity is drawn from here for each run; the large one is 100 times it.
    static let smallCapacities = 750...1_500
    static let scale = 100
    static let rounds = 15
    static let minimumRounds = 5
    static let largestBatch = 20_480
    static let smallestBatch = 256
    /// A timed batch is sized to take about this long at the slower capacity.
    static let batchTargetNanos = 8_000_000.0
    /// The verdict: per-operation time at the large capacity over the small one, at most this.
    static let maximumRatio = 8.0
    /// And over the driver's own O(1) model doing the same operations at the large capacity, at
    /// most this. Measured (2-core box, 2026-12): the reference and the five correct alternatives
    /// 2.3 to 3.4 times the model; the array-based recency list 765 times at about 96,000 entries
    /// (and more at larger ones). 30 leaves about 9× headroom for O(1) and 25× for O(n).
    static let maximumModelRatio = 30.0
    /// Keys fit below this (twice the largest large capacity); a put's value carries its key in
    /// these low bits.
    static let keyBits = 19
    /// At least this share of a batch's gets must hit (a full cache holds half the key space).
    static let minimumHitShare = 0.25
    /// Gets per request when every key is compared with the model.
    static let probeBatch = 16_384

    public static func checks() -> [Check] {
        [
            Check("o1-scaling") { context in
                // Drawn for each run from a fresh seed, or from the one given to replay it.
                let seed = context.seed ?? UInt64.random(in: 1...UInt64.max)
                var draw = SeededGenerator(seed: seed, name: "capacities")
                let smallCapacity = smallCapacities.lowerBound + Int(draw.next() % UInt64(smallCapacities.count))
                let largeCapacity = scale * smallCapacity
                context.note("capacities drawn with seed \(hex(seed)): \(smallCapacity) and \(largeCapacity), each in a process of its own")
                let small = try await prepare(context, capacity: smallCapacity, seed: 0xA11CE, on: context.subject)
                let large = try await prepare(context, capacity: largeCapacity, seed: 0xB0B, on: try await context.startSubject())

                // One untimed batch each: first-touch page faults and lazy growth stay out of the
                // numbers, and the slower per-operation time sizes the timed batches (small, so an
                // O(n) cache, about a millisecond per operation at the large capacity, spends
                // little of the budget on it).
                let warmSmall = try await small.run(operations: smallestBatch)
                let warmLarge = try await large.run(operations: smallestBatch)
                let slowest = max(warmSmall, warmLarge)
                let batch = min(largestBatch, max(smallestBatch, Int(batchTargetNanos / max(slowest, 1))))

                var smallTimes: [Double] = []
                var largeTimes: [Double] = []
                var modelTimes: [Double] = []
                var roundRatios: [Double] = []
                for round in 0..<rounds {
                    if round >= minimumRounds && context.elapsedSeconds > context.budgetSeconds * 0.6 { break }
                    let first = round % 2 == 0 ? small : large
                    let second = round % 2 == 0 ? large : small
                    let a = try await first.run(operations: batch)
                    let b = try await second.run(operations: batch)
                    let (smallTime, largeTime) = round % 2 == 0 ? (a, b) : (b, a)
                    smallTimes.append(smallTime)
                    largeTimes.append(largeTime)
                    modelTimes.append(large.modelNanosPerOperation)
                    roundRatios.append(largeTime / smallTime)
                }

                for workload in [small, large] {
                    let count = try await workload.cache.count()
                    if count != workload.capacity {
                        throw CheckFailure("after the timed operations at capacity \(workload.capacity), count is \(count); "
                            + "expected \(workload.capacity) (the cache was full and entries are never removed, only replaced)")
                    }
                    if workload.hitShare < minimumHitShare {
                        throw CheckFailure("at capacity \(workload.capacity), only \(Int(workload.hitShare * 100))% of the timed gets "
                            + "found their key; expected about half (the cache is full and keys are uniform over twice its "
                            + "capacity): the timed operations were not performed as asked")
                    }
                }

                let smallBest = smallTimes.min()!
                let largeBest = largeTimes.min()!
                let modelBest = max(1, modelTimes.min()!)
                let ratio = largeBest / smallBest
                let modelRatio = largeBest / modelBest
                let sortedRatios = roundRatios.sorted()
                context.note("per operation, best of \(smallTimes.count) alternating rounds of \(batch) operations, "
                    + "timed by the driver around each batch: \(formatDuration(nanos: smallBest)) at capacity \(smallCapacity), "
                    + "\(formatDuration(nanos: largeBest)) at capacity \(largeCapacity); ratio \(formatRatio(ratio)) "
                    + "(limit \(formatRatio(maximumRatio)))")
                context.note("per-round ratios: min \(formatRatio(sortedRatios.first!)), "
                    + "median \(formatRatio(sortedRatios[sortedRatios.count / 2])), max \(formatRatio(sortedRatios.last!))")
                context.note("capacity \(smallCapacity) per round: " + smallTimes.map { formatDuration(nanos: $0) }.joined(separator: ", "))
                context.note("capacity \(largeCapacity) per round: " + largeTimes.map { formatDuration(nanos: $0) }.joined(separator: ", "))
                context.note("the driver's own O(1) model on the same operations at capacity \(largeCapacity): "
                    + "\(formatDuration(nanos: modelBest)) per operation (best round); the cache took \(formatRatio(modelRatio))× that "
                    + "(limit \(formatRatio(maximumModelRatio)))")
                if ratio > maximumRatio {
                    throw CheckFailure("time per operation (half get, half put) was \(formatDuration(nanos: largeBest)) at capacity "
                        + "\(largeCapacity) against \(formatDuration(nanos: smallBest)) at capacity \(smallCapacity): "
                        + "\(formatRatio(ratio))× slower for 100× the entries; expected at most \(formatRatio(maximumRatio))× "
                        + "for O(1) get and put (the work per operation grows with the number of entries)")
                }
                if modelRatio > maximumModelRatio {
                    throw CheckFailure("time per operation (half get, half put) was \(formatDuration(nanos: largeBest)) at capacity "
                        + "\(largeCapacity), \(formatRatio(modelRatio))× what an O(1) LRU cache (the grader's own model, timed in the "
                        + "same rounds on the same operations) takes: \(formatDuration(nanos: modelBest)); expected at most "
                        + "\(formatRatio(maximumModelRatio))× for O(1) get and put, whatever the time at the small capacity "
                        + "(\(formatDuration(nanos: smallBest)), ratio \(formatRatio(ratio)))")
                }

                // Untimed: which keys each cache holds, against the model, while the budget lasts.
                // Once the small cache has parted from LRU, the large one's answers cannot change the outcome.
                try await small.compareResidents(context, nanosPerOperation: smallTimes.sorted()[smallTimes.count / 2])
                if small.divergence == nil {
                    try await large.compareResidents(context, nanosPerOperation: largeTimes.sorted()[largeTimes.count / 2])
                }
                // Timing a cache means something only if it is the same cache at both sizes: one that
                // is an LRU cache at the small capacity and something cheaper at the large one (say,
                // switching structure at a size no other check uses) is not O(1), it is elsewhere.
                switch (small.divergence, large.divergence) {
                case (nil, let large?):
                    throw CheckFailure("at capacity \(largeCapacity), \(large), while at capacity "
                        + "\(smallCapacity) every answer was an LRU cache's: the cache behaves differently at the size whose "
                        + "speed is measured, so its speed says nothing about O(1) LRU operations")
                case (let small?, let large?):
                    context.note("not an LRU cache at either capacity (the semantic checks grade that): at \(smallCapacity), "
                        + "\(small); at \(largeCapacity), \(large)")
                case (let small?, nil):
                    context.note("not an LRU cache at capacity \(smallCapacity) (the semantic checks grade that): \(small)")
                case (nil, nil):
                    break
                }

            },
        ]
    }

    /// A full cache and its seeded stream of operations, ready to be timed.
    final class Workload {
        let cache: RemoteLRUCache<Int, Int>
        let capacity: Int
        private let keySpace: UInt64
        private var generator: SeededGenerator
        private var sequence = 0
        private var gets = 0
        private var hits = 0
        /// What an LRU cache holds after the same operations (followed after each batch is timed).
        private var model: ReferenceLRUModel
        /// The model's time per operation on the last timed batch (the driver's own O(1) cache).
        private(set) var modelNanosPerOperation = 0.0
        /// The first answer (of a timed batch, or of the comparison after the timing) that an LRU
        /// cache would not have given.
        private(set) var divergence: String?

        init(cache: RemoteLRUCache<Int, Int>, capacity: Int, generator: SeededGenerator, model: ReferenceLRUModel) {
            self.cache = cache
            self.capacity = capacity
            self.keySpace = UInt64(2 * capacity)
            self.generator = generator
            self.model = model
        }

        var hitShare: Double { gets == 0 ? 1 : Double(hits) / Double(gets) }

        /// Runs `operations` operations of the stream (which goes on from batch to batch, never
        /// replaying keys); returns nanoseconds per operation, as the driver's clock saw it.
        func run(operations count: Int) async throws -> Double {
            var batch: [IntOperation] = []
            var keys: [Int] = []
            batch.reserveCapacity(count)
            for _ in 0..<count {
                let draw = generator.next()
                // Multiply-shift: a uniform key in 0..<keySpace without a division.
                let key = Int(((draw >> 32) &* keySpace) >> 32)
                if draw & 1 == 0 {
                    batch.append(.get(key))
                    keys.append(key)
                } else {
                    sequence += 1
                    batch.append(.put(key, sequence << LRUScalingChecks.keyBits | key))
                }
            }
            try await cache.load(batch)
            let started = DriverClock.nanos()
            let answer = try await cache.runLoaded()
            let elapsed = DriverClock.nanos() &- started
            let values = try cache.values(ofLoaded: answer, gets: keys.count)
            guard values.count == keys.count else {
                throw SubjectError.malformed("a timed batch answered \(values.count) gets of \(keys.count)")
            }
            let mask = (1 << LRUScalingChecks.keyBits) - 1
            for (key, value) in zip(keys, values) {
                guard let value else { continue }
                hits += 1
                if value & mask != key {
                    throw CheckFailure("during the timed operations at capacity \(capacity), get(\(key)) returned \(value), "
                        + "which was never put under key \(key)")
                }
            }
            gets += keys.count
            // The model replays the batch to follow the cache's answers: timed, it is the driver's own
            // O(1) cache doing the same operations on this machine now.
            let modelStarted = DriverClock.nanos()
            follow(batch, answers: values, during: "during the timed operations")
            modelNanosPerOperation = Double(DriverClock.nanos() &- modelStarted) / Double(count)
            return Double(elapsed) / Double(count)
        }

        /// Gets every key of the key space (untimed, in batches, while at least a second of the
        /// budget is left) and replays the gets on the model. The timed batches alone seldom ask for
        /// the few keys on which another eviction order parts from LRU's; asking for all of them
        /// finds every one (a cache that kept insertion order, say, holds keys that were read long
        /// ago and lost ones that were read lately).
        ///
        /// A request is sized from the timed rounds (`nanosPerOperation`, their median) to take about a
        /// quarter of a second, and sent only with room left for twice its estimate: a slow cache
        /// gets fewer keys compared, never a timeout.
        func compareResidents(_ context: CheckContext, nanosPerOperation: Double) async throws {
            guard divergence == nil else { return }
            let size = max(256, min(LRUScalingChecks.probeBatch, Int(250_000_000 / max(1, nanosPerOperation))))
            let estimate = Double(size) * nanosPerOperation / 1e9
            var start = 0
            let started = DriverClock.nanos()
            defer {
                context.note("at capacity \(capacity), \(start) keys compared with an LRU model in "
                    + formatDuration(nanos: Double(DriverClock.nanos() &- started)))
            }
            while start < Int(keySpace), divergence == nil {
                guard context.remainingSeconds > 1 + 2 * estimate else {
                    context.note("at capacity \(capacity), the comparison with the model stopped at key \(start) of "
                        + "\(keySpace): the budget ran low")
                    return
                }
                let batch = (start..<min(Int(keySpace), start + size)).map { IntOperation.get($0) }
                let answers = try await cache.perform(batch)
                follow(batch, answers: try answers.map { try RemoteLRUCache<Int, Int>.value(of: $0) },
                       during: "when every key was asked for after the timing")
                start += batch.count
            }
        }

        /// Replays `batch` on the model and keeps the first get whose answer an LRU cache would not give.
        private func follow(_ batch: [IntOperation], answers: [Int?], during phase: String) {
            var next = 0
            for operation in batch {
                switch operation.kind {
                case .get:
                    let expected = model.get(operation.key)
                    if divergence == nil, answers[next] != expected {
                        divergence = "\(phase), get(\(operation.key)) returned \(describe(answers[next])) where an LRU "
                            + "cache returns \(describe(expected))"
                    }
                    next += 1
                case .put:
                    model.put(operation.key, operation.value)
                case .count:
                    break
                }
            }
        }
    }

    /// Fills a cache of `capacity` in `subject` with keys `0..<capacity` and checks that it holds them.
    static func prepare(_ context: CheckContext, capacity: Int, seed: UInt64, on subject: SubjectConnection) async throws -> Workload {
        let cache = try await RemoteLRUCache<Int, Int>.make(context, capacity: capacity, on: subject)
        try await cache.performQuietly((0..<capacity).map { IntOperation.put($0, $0) })
        let count = try await cache.count()
        if count != capacity {
            throw CheckFailure("after put(k, k) for k in 0..<\(capacity) at capacity \(capacity), count is \(count); "
                + "expected \(capacity) (the cache must hold its entries before its speed means anything)")
        }
        var model = ReferenceLRUModel(capacity: capacity)
        for key in 0..<capacity { model.put(key, key) }
        var generator = SeededGenerator(seed: seed)
        let keys = (0..<64).map { _ in Int(generator.next() % UInt64(capacity)) }
        let answers = try await cache.perform(keys.map { IntOperation.get($0) })
        for (key, answer) in zip(keys, answers) {
            _ = model.get(key)
            let value = try RemoteLRUCache<Int, Int>.value(of: answer)
            if value != key {
                throw CheckFailure("after put(k, k) for k in 0..<\(capacity) at capacity \(capacity), get(\(key)) returned "
                    + "\(describe(value)); expected \(key) (nothing was evicted yet)")
            }
        }
        return Workload(cache: cache, capacity: capacity, generator: generator, model: model)
    }
}
