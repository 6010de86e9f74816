import Wire

// The lru-cache challenge's operations on the channel: what the driver may ask the subject to do
// with the candidate's `LRUCache`, and how the answers are written. Compiled into both sides (the
// subject's adapter module and the driver's checks); public, like everything the subject holds.

/// Names of the subject's operations.
public enum LRUOperationName {
    /// Arguments: cache id, capacity, ``LRUKeyKind``, ``LRUValueKind``, bytes per heavy value.
    public static let create = "create"
    /// Arguments: cache id, count-after-each flag, operations. Answer: ``LRUAnswer``s.
    public static let perform = "perform"
    /// As `perform`, on a cache of Int keys and Int (or object) values, with ``IntOperation``s:
    /// the same bytes, decoded without the general types' cost. Answer: ``IntAnswer``s.
    public static let performInts = "perform-ints"
    /// As `perform-ints`, without answers (bulk work whose results no check reads). Answer: empty.
    public static let performIntsQuietly = "perform-ints-quietly"
    /// Arguments: cache id, ``IntOperation``s (kept for `run-loaded`). Answer: empty.
    public static let load = "load"
    /// Arguments: cache id. Answer: the loaded batch's ``LRUAnswer``s (the driver times this round trip).
    public static let runLoaded = "run-loaded"
    /// Arguments: cache id, stop-starting-after and wait milliseconds, per-thread ``IntOperation``s.
    /// Answer: a `StormReport` whose results are ``LRUStormCode``s.
    public static let storm = "storm"
    /// Arguments: cache id. Answer: whether the cache object was deinitialised once dropped.
    public static let release = "release"
    /// Arguments: cache id. Answer: values created, values released (the subject's own count).
    public static let lifetimes = "lifetimes"
}

public enum LRUKeyKind: UInt8, Sendable {
    case int = 0, string = 1
}

/// What the subject stores as values.
public enum LRUValueKind: UInt8, Sendable {
    case int = 0, string = 1
    /// A small object that counts its deinit.
    case tracked = 2
    /// A tracked object holding its own resident memory, so a leak shows from outside.
    case heavy = 3
    /// A shared object carrying an id (storms: any thread may read another's value).
    case shared = 4
}

public enum LRUKey: Hashable, Sendable, CustomStringConvertible {
    case int(Int), string(String)

    public var description: String {
        switch self {
        case .int(let value): "\(value)"
        case .string(let value): "\"\(value)\""
        }
    }
}

/// A value as written on the channel: an Int (also the payload of tracked and shared values) or a String.
public enum LRUValue: Hashable, Sendable, CustomStringConvertible {
    case int(Int), string(String)

    public var description: String {
        switch self {
        case .int(let value): "\(value)"
        case .string(let value): "\"\(value)\""
        }
    }
}

public enum LRUOperation: Hashable, Sendable, CustomStringConvertible {
    case get(LRUKey)
    case put(LRUKey, LRUValue)
    case count

    public var description: String {
        switch self {
        case .get(let key): "get(\(key))"
        case .put(let key, let value): "put(\(key), \(value))"
        case .count: "count"
        }
    }
}

/// What one operation answered.
public enum LRUAnswer: Hashable, Sendable {
    /// `get`: the value, or nil.
    case value(LRUValue?)
    /// `count`.
    case count(Int)
    /// `put`.
    case done
}

/// A storm's per-operation result code: `get` → the value's id, or ``absent``; `count` → the
/// count; `put` → 0.
public enum LRUStormCode {
    public static let absent: Int64 = -1
}

extension LRUKey: WireCodable {
    public func encode(to writer: inout WireWriter) {
        switch self {
        case .int(let value): writer.byte(0); writer.int(value)
        case .string(let value): writer.byte(1); writer.string(value)
        }
    }

    public init(from reader: inout WireReader) throws {
        switch try reader.byte() {
        case 0: self = .int(try reader.int())
        case 1: self = .string(try reader.string(maximumBytes: 4096))
        case let tag: throw WireError("unknown key tag \(tag)")
        }
    }
}

extension LRUValue: WireCodable {
    public func encode(to writer: inout WireWriter) {
        switch self {
        case .int(let value): writer.byte(0); writer.int(value)
        case .string(let value): writer.byte(1); writer.string(value)
        }
    }

    public init(from reader: inout WireReader) throws {
        switch try reader.byte() {
        case 0: self = .int(try reader.int())
        case 1: self = .string(try reader.string(maximumBytes: 1 << 16))
        case let tag: throw WireError("unknown value tag \(tag)")
        }
    }
}

extension LRUOperation: WireCodable {
    public func encode(to writer: inout WireWriter) {
        switch self {
        case .get(let key): writer.byte(0); key.encode(to: &writer)
        case .put(let key, let value): writer.byte(1); key.encode(to: &writer); value.encode(to: &writer)
        case .count: writer.byte(2)
        }
    }

    public init(from reader: inout WireReader) throws {
        switch try reader.byte() {
        case 0: self = .get(try LRUKey(from: &reader))
        case 1: self = .put(try LRUKey(from: &reader), try LRUValue(from: &reader))
        case 2: self = .count
        case let tag: throw WireError("unknown operation tag \(tag)")
        }
    }

    /// The largest batch either side accepts.
    public static let maximumBatch = 2_000_000
}

extension LRUAnswer: WireCodable {
    public func encode(to writer: inout WireWriter) {
        switch self {
        case .value(nil): writer.byte(0)
        case .value(let value?): writer.byte(1); value.encode(to: &writer)
        case .count(let count): writer.byte(2); writer.int(count)
        case .done: writer.byte(3)
        }
    }

    public init(from reader: inout WireReader) throws {
        switch try reader.byte() {
        case 0: self = .value(nil)
        case 1: self = .value(try LRUValue(from: &reader))
        case 2: self = .count(try reader.int())
        case 3: self = .done
        case let tag: throw WireError("unknown answer tag \(tag)")
        }
    }
}

/// An operation on a cache of Int keys whose values are Ints (or objects carrying one): the
/// bulk form, with no reference-counted payload. On the channel it is the same bytes as the
/// ``LRUOperation`` it stands for.
public struct IntOperation: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: UInt8, Sendable { case get = 0, put = 1, count = 2 }
    public var kind: Kind
    public var key: Int
    public var value: Int

    public init(kind: Kind, key: Int, value: Int) {
        self.kind = kind
        self.key = key
        self.value = value
    }

    public static func get(_ key: Int) -> IntOperation { IntOperation(kind: .get, key: key, value: 0) }
    public static func put(_ key: Int, _ value: Int) -> IntOperation { IntOperation(kind: .put, key: key, value: value) }
    public static let count = IntOperation(kind: .count, key: 0, value: 0)

    public var description: String {
        switch kind {
        case .get: "get(\(key))"
        case .put: "put(\(key), \(value))"
        case .count: "count"
        }
    }
}

extension IntOperation: WireCodable {
    public func encode(to writer: inout WireWriter) {
        switch kind {
        case .get: writer.byte(0); writer.byte(0); writer.int(key)
        case .put: writer.byte(1); writer.byte(0); writer.int(key); writer.byte(0); writer.int(value)
        case .count: writer.byte(2)
        }
    }

    public init(from reader: inout WireReader) throws {
        func intTag() throws {
            let tag = try reader.byte()
            guard tag == 0 else { throw WireError("expected an Int key or value, got tag \(tag)") }
        }
        switch try reader.byte() {
        case 0:
            try intTag()
            self = .get(try reader.int())
        case 1:
            try intTag()
            let key = try reader.int()
            try intTag()
            self = .put(key, try reader.int())
        case 2:
            self = .count
        case let tag:
            throw WireError("unknown operation tag \(tag)")
        }
    }
}

/// What an ``IntOperation`` answered, without the general types' cost: the same bytes as the
/// ``LRUAnswer`` it stands for.
public struct IntAnswer: Hashable, Sendable {
    public enum Kind: UInt8, Sendable { case absent = 0, value = 1, count = 2, done = 3 }
    public var kind: Kind
    /// The value (`.value`) or the count (`.count`); 0 otherwise.
    public var number: Int

    public init(kind: Kind, number: Int = 0) {
        self.kind = kind
        self.number = number
    }
}

extension IntAnswer: WireCodable {
    public func encode(to writer: inout WireWriter) {
        switch kind {
        case .absent: writer.byte(0)
        case .value: writer.byte(1); writer.byte(0); writer.int(number)
        case .count: writer.byte(2); writer.int(number)
        case .done: writer.byte(3)
        }
    }

    public init(from reader: inout WireReader) throws {
        switch try reader.byte() {
        case 0: self.init(kind: .absent)
        case 1:
            let tag = try reader.byte()
            guard tag == 0 else { throw WireError("expected an Int value, got tag \(tag)") }
            self.init(kind: .value, number: try reader.int())
        case 2: self.init(kind: .count, number: try reader.int())
        case 3: self.init(kind: .done)
        case let tag: throw WireError("unknown answer tag \(tag)")
        }
    }
}
