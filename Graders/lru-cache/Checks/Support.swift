import DriverKit
import Wire

// Shared helpers of the hidden lru-cache checks. Everything here runs in the driver.

/// A short transcript of the most recent operations, for messages and evidence. Entries are
/// kept raw and only rendered when a message needs them (a long run records hundreds of
/// thousands).
struct RecentOperations<Entry> {
    private var ring: [Entry?]
    private var next = 0
    private var total = 0
    private let render: (Entry) -> String

    init(keep: Int, render: @escaping (Entry) -> String) {
        ring = Array(repeating: nil, count: keep)
        self.render = render
    }

    mutating func append(_ entry: Entry) {
        ring[next] = entry
        next = (next + 1) % ring.count
        total += 1
    }

    /// Oldest first, each prefixed with its operation index.
    var lines: [String] {
        let kept = min(total, ring.count)
        return (0..<kept).map { offset in
            let index = total - kept + offset
            return "#\(index) \(render(ring[(next - kept + offset + ring.count) % ring.count]!))"
        }
    }
}

/// Resident memory of the subject now, from outside it (the grader reads `/proc`). A check
/// that needs it and cannot have it is not assessed (a grader fault, retried).
func residentBytes(_ context: CheckContext) throws -> Int64 {
    do {
        let reading = try context.meter.read()
        guard reading.alive else { throw SubjectError.ended(during: "measuring its memory") }
        return Int64(clamping: reading.residentBytes)
    } catch let error as MeterUnavailable {
        throw NotAssessed("the subject's memory could not be measured from outside: \(error.reason)")
    }
}
