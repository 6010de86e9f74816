/// Appends values to a byte buffer in the channel's binary format.
///
/// Integers are LEB128 varints (signed ones zigzag-encoded), strings and byte strings carry their
/// length first. ``WireReader`` reads them back and rejects anything else.
@frozen
public struct WireWriter: Sendable {
    public var bytes: [UInt8]

    @inlinable
    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inlinable
    public mutating func byte(_ value: UInt8) { bytes.append(value) }

    @inlinable
    public mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    @inlinable
    public mutating func unsigned(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    @inlinable
    public mutating func signed(_ value: Int64) {
        unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    @inlinable
    public mutating func int(_ value: Int) { signed(Int64(value)) }

    /// An optional Int: a presence byte, then the value.
    @inlinable
    public mutating func optionalInt(_ value: Int?) {
        if let value { bytes.append(1); int(value) } else { bytes.append(0) }
    }

    @inlinable
    public mutating func double(_ value: Double) {
        var bits = value.bitPattern
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }

    @inlinable
    public mutating func data(_ value: [UInt8]) {
        unsigned(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    @inlinable
    public mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            unsigned(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    @inlinable
    public mutating func optionalString(_ value: String?) {
        if let value { bytes.append(1); string(value) } else { bytes.append(0) }
    }

    @inlinable
    public mutating func encode(_ value: some WireEncodable) { value.encode(to: &self) }

    /// A count, then each element.
    @inlinable
    public mutating func array<Element>(_ values: [Element], _ element: (inout WireWriter, Element) -> Void) {
        unsigned(UInt64(values.count))
        for value in values { element(&self, value) }
    }

    @inlinable
    public mutating func strings(_ values: [String]) { array(values) { $0.string($1) } }
}

/// A value with a binary form on the channel.
public protocol WireEncodable {
    func encode(to writer: inout WireWriter)
}

/// A value read back from the channel; `init(from:)` throws ``WireError`` on anything malformed.
public protocol WireDecodable {
    init(from reader: inout WireReader) throws
}

public typealias WireCodable = WireEncodable & WireDecodable

extension WireEncodable {
    /// The value's bytes on its own.
    public var wireBytes: [UInt8] {
        var writer = WireWriter()
        encode(to: &writer)
        return writer.bytes
    }
}

extension WireDecodable {
    /// Decodes a value that must use up `bytes` exactly.
    public init(wireBytes bytes: [UInt8]) throws {
        var reader = WireReader(bytes)
        self = try Self(from: &reader)
        try reader.finish()
    }
}

extension String: WireCodable {
    public func encode(to writer: inout WireWriter) { writer.string(self) }
    public init(from reader: inout WireReader) throws { self = try reader.string(maximumBytes: 64 * 1024) }
}
