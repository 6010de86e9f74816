import DriverKit
import Synchronization
import Wire

/// A key type the checks use (`Int` or `String`), and its form on the channel.
public protocol CacheKey: Hashable, Sendable, CustomStringConvertible {
    static var keyKind: LRUKeyKind { get }
    var wireKey: LRUKey { get }
}

/// A value type the checks use (`Int` or `String`), and its form on the channel.
public protocol CacheValue: Hashable, Sendable {
    static var valueKind: LRUValueKind { get }
    var wireValue: LRUValue { get }
    init?(wireValue: LRUValue)
}

extension Int: CacheKey, CacheValue {
    public static var keyKind: LRUKeyKind { .int }
    public static var valueKind: LRUValueKind { .int }
    public var wireKey: LRUKey { .int(self) }
    public var wireValue: LRUValue { .int(self) }
    public init?(wireValue: LRUValue) {
        guard case .int(let value) = wireValue else { return nil }
        self = value
    }
}

extension String: CacheKey, CacheValue {
    public static var keyKind: LRUKeyKind { .string }
    public static var valueKind: LRUValueKind { .string }
    public var wireKey: LRUKey { .string(self) }
    public var wireValue: LRUValue { .string(self) }
    public init?(wireValue: LRUValue) {
        guard case .string(let value) = wireValue else { return nil }
        self = value
    }
}

/// The candidate's `LRUCache`, created in the subject and driven from here: every call is a
/// request to the subject, every answer is checked to be of the right shape (an answer of the
/// wrong shape is not the candidate's value, it is a broken channel: ``SubjectError/malformed(_:)``).
public final class RemoteLRUCache<Key: CacheKey, Value: CacheValue>: Sendable {
    public let id: Int
    public let capacity: Int
    /// How the subject stores values: `Int`/`String` as themselves, or objects carrying an Int.
    public let values: LRUValueKind
    let subject: SubjectConnection

    private static var nextID: Int { CacheIDs.next.add(1, ordering: .relaxed).newValue }

    private init(id: Int, capacity: Int, values: LRUValueKind, subject: SubjectConnection) {
        self.id = id
        self.capacity = capacity
        self.values = values
        self.subject = subject
    }

    /// Creates `LRUCache(capacity:)` in the subject (`on`, else the check's first). `values` other
    /// than the value type's own kind store objects carrying the Int (tracked, heavy or shared);
    /// `heavyBytes` sizes heavy ones.
    public static func make(_ context: CheckContext, capacity: Int, values: LRUValueKind = Value.valueKind,
                            heavyBytes: Int = 0, on subject: SubjectConnection? = nil) async throws -> RemoteLRUCache {
        let subject = subject ?? context.subject
        let cache = RemoteLRUCache(id: nextID, capacity: capacity, values: values, subject: subject)
        let answer = try await subject.request(LRUOperationName.create,
                                                       describing: "LRUCache(capacity: \(capacity))") { writer in
            writer.int(cache.id)
            writer.int(capacity)
            writer.byte(Key.keyKind.rawValue)
            writer.byte(values.rawValue)
            writer.int(heavyBytes)
        }
        try expectEmpty(answer, "LRUCache(capacity: \(capacity))")
        return cache
    }

    public func get(_ key: Key) async throws -> Value? {
        try Self.value(of: try await perform([.get(key.wireKey)]).first!)
    }

    public func put(_ key: Key, _ value: Value) async throws {
        _ = try await perform([.put(key.wireKey, value.wireValue)])
    }

    public func count() async throws -> Int {
        try Self.count(of: try await perform([LRUOperation.count]).first!)
    }

    /// Performs `operations` in order; with `countAfterEach`, reads `count` after each of them too
    /// (the answers then alternate: operation, count). Returns one answer per call made.
    public func perform(_ operations: [LRUOperation], countAfterEach: Bool = false) async throws -> [LRUAnswer] {
        let what = operations.count == 1 ? operations[0].description : "\(operations.count) operations"
        var answer = try await subject.request(LRUOperationName.perform, describing: what) { writer in
            writer.int(self.id)
            writer.bool(countAfterEach)
            writer.array(operations) { $1.encode(to: &$0) }
        }
        let expected = operations.count * (countAfterEach ? 2 : 1)
        let answers = try decode(&answer, what) {
            try $0.array(maximum: expected) { try LRUAnswer(from: &$0) }
        }
        guard answers.count == expected else {
            throw SubjectError.malformed("\(answers.count) answers to \(expected) calls")
        }
        for (index, answer) in answers.enumerated() {
            let operation = countAfterEach ? (index % 2 == 0 ? operations[index / 2] : .count) : operations[index]
            try Self.check(answer, fits: operation)
        }
        return answers
    }

    /// Performs Int `operations` in order (a cache of Int keys; values Ints or objects carrying
    /// one); with `countAfterEach`, reads `count` after each of them too (the answers then
    /// alternate: operation, count). The bulk form of ``perform(_:countAfterEach:)``.
    public func perform(_ operations: [IntOperation], countAfterEach: Bool = false) async throws -> [IntAnswer] {
        let what = operations.count == 1 ? operations[0].description : "\(operations.count) operations"
        var answer = try await subject.request(LRUOperationName.performInts, describing: what) { writer in
            writer.int(self.id)
            writer.bool(countAfterEach)
            writer.array(operations) { $1.encode(to: &$0) }
        }
        let expected = operations.count * (countAfterEach ? 2 : 1)
        let answers = try decode(&answer, what) {
            try $0.array(maximum: expected) { try IntAnswer(from: &$0) }
        }
        guard answers.count == expected else {
            throw SubjectError.malformed("\(answers.count) answers to \(expected) calls")
        }
        for (index, answer) in answers.enumerated() {
            let kind = countAfterEach ? (index % 2 == 0 ? operations[index / 2].kind : .count) : operations[index].kind
            try Self.check(answer, fits: kind)
        }
        return answers
    }

    /// Performs Int `operations` in order without answers: for fills whose effect the check then
    /// verifies through answers (a count, gets), since a subject could skip work nobody checks.
    public func performQuietly(_ operations: [IntOperation]) async throws {
        let answer = try await subject.request(LRUOperationName.performIntsQuietly,
                                               describing: "\(operations.count) operations") { writer in
            writer.int(self.id)
            writer.bool(false)
            writer.array(operations) { $1.encode(to: &$0) }
        }
        try Self.expectEmpty(answer, "\(operations.count) operations")
    }

    /// Sends a batch to be run later by ``runLoaded()`` (so that decoding it is not timed).
    public func load(_ operations: [IntOperation]) async throws {
        let answer = try await subject.request(LRUOperationName.load, describing: "loading \(operations.count) operations") { writer in
            writer.int(self.id)
            writer.array(operations) { $1.encode(to: &$0) }
        }
        try Self.expectEmpty(answer, "loading a batch")
    }

    /// Runs the loaded batch; returns its raw answer (the caller times this call), to be decoded
    /// by ``values(ofLoaded:gets:)`` once the clock has stopped.
    public func runLoaded() async throws -> LoadedAnswer {
        LoadedAnswer(reader: try await subject.request(LRUOperationName.runLoaded, describing: "a timed batch") { $0.int(self.id) })
    }

    /// The raw answer to a loaded batch.
    public struct LoadedAnswer: Sendable {
        fileprivate var reader: WireReader
    }

    /// The values the loaded batch's gets returned (`gets` of them at most), in order.
    public func values(ofLoaded loaded: LoadedAnswer, gets: Int) throws -> [Value?] {
        var answer = loaded.reader
        return try decode(&answer, "a timed batch") { reader in
            try reader.array(maximum: gets) { reader -> Value? in
                guard try reader.bool() else { return nil }
                return try Self.value(of: .value(.int(try reader.int())))
            }
        }
    }

    /// Runs `threads[t]` on thread `t` of the subject, all released together; no thread starts an
    /// operation after `workMillis`, and the subject waits at most `waitMillis` for them.
    public func storm(_ threads: [[IntOperation]], workMillis: Int, waitMillis: Int) async throws -> StormReport {
        let total = threads.reduce(0) { $0 + $1.count }
        var answer = try await subject.request(LRUOperationName.storm,
                                               describing: "a storm of \(threads.count) threads (\(total) operations)") { writer in
            writer.int(self.id)
            writer.int(workMillis)
            writer.int(waitMillis)
            writer.array(threads) { writer, operations in writer.array(operations) { $1.encode(to: &$0) } }
        }
        return try decode(&answer, "a storm") { try StormReport(from: &$0, operations: threads.map(\.count)) }
    }

    /// Drops the subject's reference to the cache; answers whether the cache object was then
    /// deinitialised (the subject's own report).
    public func release() async throws -> Bool {
        var answer = try await subject.request(LRUOperationName.release, describing: "releasing the cache") { $0.int(self.id) }
        return try decode(&answer, "releasing the cache") { try $0.bool() }
    }

    /// How many tracked values the subject made for this cache and how many were deinitialised
    /// (the subject's own count).
    public func lifetimes() async throws -> (created: Int, released: Int) {
        var answer = try await subject.request(LRUOperationName.lifetimes, describing: "counting live values") { $0.int(self.id) }
        return try decode(&answer, "counting live values") {
            (Int(clamping: try $0.unsigned()), Int(clamping: try $0.unsigned()))
        }
    }

    // MARK: Answers

    /// The value a `get` answered.
    public static func value(of answer: LRUAnswer) throws -> Value? {
        guard case .value(let value) = answer else { throw SubjectError.malformed("a get answered \(answer)") }
        guard let value else { return nil }
        guard let typed = Value(wireValue: value) else { throw SubjectError.malformed("a get answered a value of another type") }
        return typed
    }

    /// The number a `count` answered.
    public static func count(of answer: LRUAnswer) throws -> Int {
        guard case .count(let count) = answer else { throw SubjectError.malformed("count answered \(answer)") }
        return count
    }

    /// The value an Int `get` answered.
    public static func value(of answer: IntAnswer) throws -> Int? {
        switch answer.kind {
        case .absent: return nil
        case .value: return answer.number
        default: throw SubjectError.malformed("a get answered \(answer.kind)")
        }
    }

    /// The number an Int `count` answered.
    public static func count(of answer: IntAnswer) throws -> Int {
        guard answer.kind == .count else { throw SubjectError.malformed("count answered \(answer.kind)") }
        return answer.number
    }

    static func check(_ answer: IntAnswer, fits kind: IntOperation.Kind) throws {
        switch (kind, answer.kind) {
        case (.get, .absent), (.get, .value), (.put, .done), (.count, .count): break
        default: throw SubjectError.malformed("\(kind) answered \(answer.kind)")
        }
    }

    static func check(_ answer: LRUAnswer, fits operation: LRUOperation) throws {
        switch (operation, answer) {
        case (.get, .value(let value)):
            if let value, Value(wireValue: value) == nil { throw SubjectError.malformed("a get answered a value of another type") }
        case (.put, .done), (.count, .count): break
        default: throw SubjectError.malformed("\(operation) answered \(answer)")
        }
    }

    private func decode<T>(_ answer: inout WireReader, _ what: String, _ body: (inout WireReader) throws -> T) throws -> T {
        do {
            let value = try body(&answer)
            try answer.finish()
            return value
        } catch let error as WireError {
            throw SubjectError.malformed("the answer to \(what): \(error.message)")
        }
    }

    private static func expectEmpty(_ answer: WireReader, _ what: String) throws {
        guard answer.isAtEnd else { throw SubjectError.malformed("the answer to \(what) has unexpected bytes") }
    }
}

/// Cache ids, unique within the driver (one check per process).
enum CacheIDs {
    static let next = Atomic<Int>(0)
}
