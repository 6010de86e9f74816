import SubjectRuntime
import Synchronization
import Wire

/// The contract of `LRUCache` as a protocol: what the subject drives.
///
/// The grader adds this conformance to your `LRUCache` for you (`Adapter.swift`, compiled with
/// your files); if your declarations do not match the contract, that conformance fails to compile
/// and the report says `contract_mismatch` with the compiler's message.
public protocol LRUCacheUnderTest<Key, Value>: AnyObject {
    associatedtype Key: Hashable
    associatedtype Value
    func get(_ key: Key) -> Value?
    func put(_ key: Key, _ value: Value)
    var count: Int { get }
}

/// Creates caches under test; the adapter implements it with `LRUCache(capacity:)`.
public protocol LRUCacheMaker: Sendable {
    func make<Key: Hashable, Value>(capacity: Int) -> any LRUCacheUnderTest<Key, Value>
}

/// A value that storm threads share: an object carrying an id.
public final class SharedValue: Sendable {
    public let id: Int
    public init(id: Int) { self.id = id }
}

/// The lru-cache challenge's side of the subject: creates caches with the candidate's
/// `LRUCache`, performs the driver's operations on them (in order, as batches, timed batches, or
/// storms on several threads) and answers with what the cache returned. It judges nothing.
public final class LRUCacheSubject: SubjectHandler {
    private let maker: any LRUCacheMaker
    private let caches = Mutex<[Int: CacheBox]>([:])

    public init(maker: some LRUCacheMaker) { self.maker = maker }

    static let maximumCapacity = 10_000_000
    static let maximumThreads = 64

    public func perform(_ operation: String, _ arguments: inout WireReader) async throws -> [UInt8] {
        switch operation {
        case LRUOperationName.create: return try create(&arguments)
        case LRUOperationName.perform: return try performBatch(&arguments)
        case LRUOperationName.performInts: return try performInts(&arguments, answering: true)
        case LRUOperationName.performIntsQuietly: return try performInts(&arguments, answering: false)
        case LRUOperationName.load: return try load(&arguments)
        case LRUOperationName.runLoaded: return try runLoaded(&arguments)
        case LRUOperationName.storm: return try storm(&arguments)
        case LRUOperationName.release: return try release(&arguments)
        case LRUOperationName.lifetimes: return try lifetimes(&arguments)
        default: throw UnknownOperation(operation)
        }
    }

    // MARK: Operations

    private func create(_ arguments: inout WireReader) throws -> [UInt8] {
        let id = try arguments.int(in: 0...Int.max)
        let capacity = try arguments.int(in: 1...Self.maximumCapacity)
        guard let keys = LRUKeyKind(rawValue: try arguments.byte()),
              let values = LRUValueKind(rawValue: try arguments.byte()) else { throw WireError("unknown key or value kind") }
        let heavyBytes = try arguments.int(in: 0...(64 << 20))
        try arguments.finish()
        let cache: TypedCache
        switch (keys, values) {
        case (.int, .int): cache = .intInt(maker.make(capacity: capacity))
        case (.int, .string): cache = .intString(maker.make(capacity: capacity))
        case (.string, .int): cache = .stringInt(maker.make(capacity: capacity))
        case (.string, .string): cache = .stringString(maker.make(capacity: capacity))
        case (.int, .tracked): cache = .intTracked(maker.make(capacity: capacity), LifetimeTracker(), heavyBytes: nil)
        case (.int, .heavy): cache = .intTracked(maker.make(capacity: capacity), LifetimeTracker(), heavyBytes: heavyBytes)
        case (.int, .shared): cache = .intShared(maker.make(capacity: capacity))
        default: throw WireError("no cache of \(keys) keys and \(values) values")
        }
        let box = CacheBox(cache)
        let added = caches.withLock { caches -> Bool in
            guard caches[id] == nil else { return false }
            caches[id] = box
            return true
        }
        guard added else { throw WireError("cache \(id) exists already") }
        return []
    }

    private func performBatch(_ arguments: inout WireReader) throws -> [UInt8] {
        let box = try cache(&arguments)
        let countAfterEach = try arguments.bool()
        let operations = try Self.operations(&arguments)
        try arguments.finish()
        let cache = try box.cache
        var answers = WireWriter(capacity: operations.count * (countAfterEach ? 6 : 3))
        answers.unsigned(UInt64(operations.count * (countAfterEach ? 2 : 1)))
        for operation in operations {
            try cache.perform(operation).encode(to: &answers)
            if countAfterEach { try cache.perform(LRUOperation.count).encode(to: &answers) }
        }
        return answers.bytes
    }

    private func performInts(_ arguments: inout WireReader, answering: Bool) throws -> [UInt8] {
        let box = try cache(&arguments)
        let countAfterEach = try arguments.bool()
        let operations = try Self.intOperations(&arguments)
        try arguments.finish()
        var answers = WireWriter(capacity: answering ? operations.count * (countAfterEach ? 6 : 3) : 0)
        if answering { answers.unsigned(UInt64(operations.count * (countAfterEach ? 2 : 1))) }
        // One loop per value kind, the cache unwrapped once, not per operation.
        switch try box.cache {
        case .intInt(let cache):
            Self.run(operations, on: cache, countAfterEach: countAfterEach, answering: answering, into: &answers,
                     make: { $0 }, read: { $0 })
        case .intTracked(let cache, let tracker, let heavyBytes?):
            Self.run(operations, on: cache, countAfterEach: countAfterEach, answering: answering, into: &answers,
                     make: { tracker.heavy($0, bytes: heavyBytes) }, read: { $0.payload })
        case .intTracked(let cache, let tracker, nil):
            Self.run(operations, on: cache, countAfterEach: countAfterEach, answering: answering, into: &answers,
                     make: { tracker.light($0) }, read: { $0.payload })
        case .intShared(let cache):
            Self.run(operations, on: cache, countAfterEach: countAfterEach, answering: answering, into: &answers,
                     make: { SharedValue(id: $0) }, read: { $0.id })
        default:
            throw WireError("Int operations need a cache of Int keys")
        }
        return answers.bytes
    }

    /// Performs `operations` on `cache`, writing each answer (and a count after each, if asked)
    /// when `answering`.
    static func run<Value>(_ operations: [IntOperation], on cache: any LRUCacheUnderTest<Int, Value>, countAfterEach: Bool,
                           answering: Bool, into answers: inout WireWriter, make: (Int) -> Value, read: (Value) -> Int) {
        for operation in operations {
            let answer: IntAnswer
            switch operation.kind {
            case .get:
                answer = cache.get(operation.key).map { IntAnswer(kind: .value, number: read($0)) } ?? IntAnswer(kind: .absent)
            case .put:
                cache.put(operation.key, make(operation.value))
                answer = IntAnswer(kind: .done)
            case .count:
                answer = IntAnswer(kind: .count, number: cache.count)
            }
            let count = countAfterEach ? cache.count : 0
            guard answering else { continue }
            answer.encode(to: &answers)
            if countAfterEach { IntAnswer(kind: .count, number: count).encode(to: &answers) }
        }
    }

    private func load(_ arguments: inout WireReader) throws -> [UInt8] {
        let box = try cache(&arguments)
        let operations = try Self.intOperations(&arguments)
        try arguments.finish()
        guard case .intInt = try box.cache else { throw WireError("timed batches run on caches of Int keys and values") }
        box.loaded = operations
        return []
    }

    /// The loaded batch in a tight loop. Answers only the gets (puts answer nothing), as values or
    /// nil, so the driver's clock around this round trip measures the cache, not the channel.
    private func runLoaded(_ arguments: inout WireReader) throws -> [UInt8] {
        let box = try cache(&arguments)
        try arguments.finish()
        guard case .intInt(let cache) = try box.cache else { throw WireError("timed batches run on caches of Int keys and values") }
        let batch = box.loaded
        var answers = WireWriter(capacity: batch.count * 4 + 8)
        answers.unsigned(UInt64(batch.lazy.filter { $0.kind == .get }.count))
        for operation in batch {
            switch operation.kind {
            case .get:
                if let value = cache.get(operation.key) { answers.byte(1); answers.int(value) } else { answers.byte(0) }
            case .put:
                cache.put(operation.key, operation.value)
            case .count:
                _ = cache.count
            }
        }
        return answers.bytes
    }

    private func storm(_ arguments: inout WireReader) throws -> [UInt8] {
        let box = try cache(&arguments)
        guard case .intShared(let cache) = try box.cache else { throw WireError("storms run on caches of shared values") }
        let workMillis = try arguments.int(in: 0...600_000)
        let waitMillis = try arguments.int(in: 0...600_000)
        let threads = try arguments.array(maximum: Self.maximumThreads) { try Self.intOperations(&$0) }
        try arguments.finish()
        let now = Clock.nanos()
        let shared = Unchecked(cache)
        let report = Storm.run(operations: threads.map(\.count),
                               stopStartingAt: now + UInt64(workMillis) * 1_000_000,
                               waitUntil: now + UInt64(waitMillis) * 1_000_000) { thread, index in
            let operation = threads[thread][index]
            switch operation.kind {
            case .get: return shared.value.get(operation.key).map { Int64($0.id) } ?? LRUStormCode.absent
            case .put: shared.value.put(operation.key, SharedValue(id: operation.value)); return 0
            case .count: return Int64(shared.value.count)
            }
        }
        var answer = WireWriter()
        report.encode(to: &answer)
        return answer.bytes
    }

    private func release(_ arguments: inout WireReader) throws -> [UInt8] {
        let id = try arguments.int(in: 0...Int.max)
        try arguments.finish()
        guard let box = caches.withLock({ $0.removeValue(forKey: id) }) else { throw WireError("no cache \(id)") }
        if let tracker = box.tracker { releasedTrackers.withLock { $0[id] = tracker } }
        let probe = box.dropCache()
        var answer = WireWriter()
        answer.bool(probe.isReleased)
        return answer.bytes
    }

    private func lifetimes(_ arguments: inout WireReader) throws -> [UInt8] {
        let id = try arguments.int(in: 0...Int.max)
        try arguments.finish()
        guard let tracker = caches.withLock({ $0[id]?.tracker }) ?? releasedTrackers.withLock({ $0[id] }) else {
            throw WireError("no tracked cache \(id)")
        }
        var answer = WireWriter()
        answer.unsigned(UInt64(tracker.createdCount))
        answer.unsigned(UInt64(tracker.releasedCount))
        return answer.bytes
    }

    /// Trackers of released caches: their values' fate is asked after the cache is gone.
    private let releasedTrackers = Mutex<[Int: LifetimeTracker]>([:])

    private func cache(_ arguments: inout WireReader) throws -> CacheBox {
        let id = try arguments.int(in: 0...Int.max)
        guard let box = caches.withLock({ $0[id] }) else { throw WireError("no cache \(id)") }
        return box
    }

    static func operations(_ reader: inout WireReader) throws -> [LRUOperation] {
        try reader.array(maximum: LRUOperation.maximumBatch) { try LRUOperation(from: &$0) }
    }

    static func intOperations(_ reader: inout WireReader) throws -> [IntOperation] {
        try reader.array(maximum: LRUOperation.maximumBatch) { try IntOperation(from: &$0) }
    }
}

/// A cache of one of the key and value types the checks use.
///
/// `@unchecked Sendable`: the candidate's cache is handed between the tasks of successive requests
/// (ordered by the driver, and for ThreadSanitizer by the runtime's request order) and shared by a
/// storm's threads on purpose: whether sharing it is safe is what the checks find out.
enum TypedCache: @unchecked Sendable {
    case intInt(any LRUCacheUnderTest<Int, Int>)
    case intString(any LRUCacheUnderTest<Int, String>)
    case stringInt(any LRUCacheUnderTest<String, Int>)
    case stringString(any LRUCacheUnderTest<String, String>)
    /// Values are tracked objects (heavy ones hold `heavyBytes` each).
    case intTracked(any LRUCacheUnderTest<Int, TrackedValue>, LifetimeTracker, heavyBytes: Int?)
    case intShared(any LRUCacheUnderTest<Int, SharedValue>)

    var object: AnyObject {
        switch self {
        case .intInt(let cache): cache
        case .intString(let cache): cache
        case .stringInt(let cache): cache
        case .stringString(let cache): cache
        case .intTracked(let cache, _, _): cache
        case .intShared(let cache): cache
        }
    }

    func perform(_ operation: LRUOperation) throws -> LRUAnswer {
        switch (self, operation) {
        case (_, .count):
            return .count(countOfCache())
        case (.intInt(let cache), .get(.int(let key))):
            return .value(cache.get(key).map(LRUValue.int))
        case (.intInt(let cache), .put(.int(let key), .int(let value))):
            cache.put(key, value)
        case (.intString(let cache), .get(.int(let key))):
            return .value(cache.get(key).map(LRUValue.string))
        case (.intString(let cache), .put(.int(let key), .string(let value))):
            cache.put(key, value)
        case (.stringInt(let cache), .get(.string(let key))):
            return .value(cache.get(key).map(LRUValue.int))
        case (.stringInt(let cache), .put(.string(let key), .int(let value))):
            cache.put(key, value)
        case (.stringString(let cache), .get(.string(let key))):
            return .value(cache.get(key).map(LRUValue.string))
        case (.stringString(let cache), .put(.string(let key), .string(let value))):
            cache.put(key, value)
        case (.intTracked(let cache, _, _), .get(.int(let key))):
            return .value(cache.get(key).map { .int($0.payload) })
        case (.intTracked(let cache, let tracker, let heavyBytes), .put(.int(let key), .int(let payload))):
            cache.put(key, heavyBytes.map { tracker.heavy(payload, bytes: $0) } ?? tracker.light(payload))
        case (.intShared(let cache), .get(.int(let key))):
            return .value(cache.get(key).map { .int($0.id) })
        case (.intShared(let cache), .put(.int(let key), .int(let id))):
            cache.put(key, SharedValue(id: id))
        default:
            throw WireError("\(operation) does not fit this cache's key and value types")
        }
        return .done
    }

    private func countOfCache() -> Int {
        switch self {
        case .intInt(let cache): cache.count
        case .intString(let cache): cache.count
        case .stringInt(let cache): cache.count
        case .stringString(let cache): cache.count
        case .intTracked(let cache, _, _): cache.count
        case .intShared(let cache): cache.count
        }
    }
}

/// One cache the driver created, and what the subject keeps beside it.
final class CacheBox: Sendable {
    private let held: Mutex<TypedCache?>
    private let batch = Mutex<[IntOperation]>([])
    let tracker: LifetimeTracker?

    init(_ cache: TypedCache) {
        if case .intTracked(_, let tracker, _) = cache { self.tracker = tracker } else { tracker = nil }
        held = Mutex(cache)
    }

    /// The cache (the driver never uses a cache after releasing it).
    var cache: TypedCache {
        get throws {
            guard let cache = held.withLock({ $0 }) else { throw WireError("the cache was released") }
            return cache
        }
    }

    var loaded: [IntOperation] {
        get { batch.withLock { $0 } }
        set { batch.withLock { $0 = newValue } }
    }

    /// Drops the subject's only reference to the cache; the probe tells whether it was deinitialised.
    @inline(never)
    func dropCache() -> WeakProbe {
        let probe = held.withLock { held in
            defer { held = nil }
            return WeakProbe(held!.object)
        }
        loaded = []
        return probe
    }
}

final class WeakProbe {
    weak var object: AnyObject?
    init(_ object: AnyObject) { self.object = object }
    var isReleased: Bool { object == nil }
}
