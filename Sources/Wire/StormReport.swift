/// What a subject observed during a storm: per thread, each completed operation's encoded result
/// and its invoke and return times (nanoseconds since the storm started), and, for a thread that
/// had not finished when the wait ended, when its operation in progress was invoked.
///
/// The driver decodes it against what it sent: a thread cannot report more operations than it was
/// given, times must run forward within a thread, and anything else is malformed. Whether the
/// observations are true is not something the driver can know; it judges them as the candidate's
/// answers (see the threat model).
public struct StormReport: Sendable, Equatable {
    public struct Record: Sendable, Equatable {
        public var result: Int64
        public var invoked: UInt64
        public var returned: UInt64

        public init(result: Int64, invoked: UInt64, returned: UInt64) {
            self.result = result
            self.invoked = invoked
            self.returned = returned
        }
    }

    public var threads: [[Record]]
    public var pending: [UInt64?]

    public init(threads: [[Record]], pending: [UInt64?]) {
        self.threads = threads
        self.pending = pending
    }

    public func encode(to writer: inout WireWriter) {
        writer.unsigned(UInt64(threads.count))
        for (index, records) in threads.enumerated() {
            writer.unsigned(UInt64(records.count))
            var previous: UInt64 = 0
            for record in records {
                writer.signed(record.result)
                writer.unsigned(record.invoked &- previous)
                writer.unsigned(record.returned &- record.invoked)
                previous = record.returned
            }
            if let pending = pending[index] { writer.byte(1); writer.unsigned(pending) } else { writer.byte(0) }
        }
    }

    /// The latest time a report may name (about 36 years in nanoseconds): far beyond any storm,
    /// and far enough below `UInt64.max` that arithmetic on times never overflows.
    public static let maximumTime: UInt64 = 1 << 60

    /// Decodes a report for `operations[t]` operations sent to thread `t`.
    public init(from reader: inout WireReader, operations: [Int]) throws {
        let count = try reader.count(maximum: operations.count)
        guard count == operations.count else {
            throw WireError("the storm report has \(count) threads; \(operations.count) were started")
        }
        threads = []
        pending = []
        for thread in 0..<count {
            let recordCount = try reader.count(maximum: operations[thread], minimumElementBytes: 3)
            var records: [Record] = []
            records.reserveCapacity(recordCount)
            var previous: UInt64 = 0
            for _ in 0..<recordCount {
                let result = try reader.signed()
                let (invoked, overflowA) = previous.addingReportingOverflow(try reader.unsigned())
                let (returned, overflowB) = invoked.addingReportingOverflow(try reader.unsigned())
                guard !overflowA && !overflowB, returned <= Self.maximumTime else { throw WireError("a storm time is out of range") }
                records.append(Record(result: result, invoked: invoked, returned: returned))
                previous = returned
            }
            threads.append(records)
            if try reader.bool() {
                let time = try reader.unsigned()
                guard time >= previous, time <= Self.maximumTime else {
                    throw WireError("thread \(thread)'s pending operation starts before its last one ended, or out of range")
                }
                pending.append(time)
            } else {
                pending.append(nil)
            }
        }
    }
}
