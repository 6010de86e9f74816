/// One message on a channel: a kind, a correlation id and a body.
///
/// On the wire: a 4-byte little-endian length (of everything after it), the kind byte, the id as
/// 8 little-endian bytes, then the body.
public struct Frame: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        /// Subject → driver, once at start: the protocol version.
        case hello = 1
        /// Driver → subject: perform an operation. Body: operation name, then its arguments.
        case request = 2
        /// Subject → driver: what the candidate's code answered to request `id`.
        case response = 3
        /// Subject → driver: the runtime could not perform request `id` (body: a message).
        case failure = 4
        /// Subject → driver: the candidate's code called a simulated service. Body: service, call.
        case serviceCall = 5
        /// Driver → subject: the answer to service call `id`.
        case serviceReply = 6
        /// Driver → subject: service call `id` failed (body: the error the caller receives).
        case serviceFailure = 7
        /// Driver → grader (control channel): measure a subject from outside. Body: which subject
        /// (its number: 0 for the one the check started with, then in the order they were started).
        case meterRequest = 8
        /// Grader → driver (control channel): a ``MeterReading``.
        case meterReading = 9
        /// Driver → grader (control channel): the check's ``DriverReport``.
        case report = 10
        /// Driver → grader (control channel): start another subject, a separate sandboxed process
        /// of the same submission (a scenario's instances that stand for separate servers).
        case subjectRequest = 11
        /// Grader → driver (control channel): the answer to a ``subjectRequest``. Body: a
        /// ``SubjectStart``; when it started, the driver's end of its channel comes attached
        /// (``DescriptorPassing``).
        case subjectStarted = 12
    }

    public var kind: Kind
    public var id: UInt64
    public var body: [UInt8]

    public init(_ kind: Kind, id: UInt64 = 0, body: [UInt8] = []) {
        self.kind = kind
        self.id = id
        self.body = body
    }

    /// Bytes of the header that follow the length: kind and id.
    static let headerBytes = 9

    /// The frame's bytes, length first.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4 + Self.headerBytes + body.count)
        appendLittleEndian(UInt64(Self.headerBytes + body.count), bytes: 4, to: &bytes)
        bytes.append(kind.rawValue)
        appendLittleEndian(id, bytes: 8, to: &bytes)
        bytes.append(contentsOf: body)
        return bytes
    }
}

func appendLittleEndian(_ value: UInt64, bytes count: Int, to bytes: inout [UInt8]) {
    var rest = value
    for _ in 0..<count {
        bytes.append(UInt8(truncatingIfNeeded: rest))
        rest >>= 8
    }
}

/// The protocol version a subject announces in its hello; a driver refuses any other.
public enum ChannelProtocol {
    public static let version: UInt64 = 1
    /// The largest frame body either side accepts.
    public static let maximumBodyBytes = 48 << 20
}
