/// Completes a simulated service's pending calls one at a time, in an order a seeded generator
/// chooses among the calls waiting at that moment: the driver, not the machine's timing, decides
/// which of the candidate's concurrent calls lands first.
///
/// A call's handler awaits ``turn(key:)``, performs its effect on the service's state, and calls
/// ``done()``. The scheduler picks the next call only once the previous one is done and, with
/// `expected` set, once that many calls have arrived in all (however long they take); without it,
/// once no new call arrived for `settle` (the subject has gone quiet). The waiting calls are ordered by their keys before the seeded pick, so with `expected`
/// set to the number of calls the subject makes at once, the order is a function of the seed and
/// the calls alone, whatever order they arrived in; with only the settle window it is as long as
/// the subject reacts within it.
public actor CompletionScheduler {
    private var generator: SeededGenerator
    private let expected: Int?
    private let settle: Duration
    private var waiting: [(key: String, ticket: Int, continuation: CheckedContinuation<Void, Never>)] = []
    private var nextTicket = 0
    private var busy = false
    /// Keys in the order their calls were completed.
    public private(set) var completionOrder: [String] = []

    public init(seed: UInt64, expected: Int? = nil, settle: Duration = .milliseconds(5)) {
        generator = SeededGenerator(seed: seed)
        self.expected = expected
        self.settle = settle
    }

    /// Suspends until the scheduler chooses this call. `key` identifies the call independently of
    /// when it arrived (its caller, its arguments); ties are broken by arrival.
    public func turn(key: String) async {
        let ticket = nextTicket
        nextTicket += 1
        await withCheckedContinuation { continuation in
            waiting.append((key, ticket, continuation))
            schedule()
        }
    }

    /// The chosen call has performed its effect: the next one may be chosen.
    public func done() {
        busy = false
        schedule()
    }

    private func schedule() {
        guard !busy, !waiting.isEmpty else { return }
        if let expected {
            // Never before every expected call has arrived, however long they take to come.
            if nextTicket >= expected { release() }
            return
        }
        let seen = nextTicket
        Task {
            try? await Task.sleep(for: settle)
            self.settled(after: seen)
        }
    }

    private func settled(after seen: Int) {
        guard seen == nextTicket else { return }
        if !busy, !waiting.isEmpty { release() }
    }

    private func release() {
        waiting.sort { ($0.key, $0.ticket) < ($1.key, $1.ticket) }
        let chosen = waiting.remove(at: Int(generator.next() % UInt64(waiting.count)))
        busy = true
        completionOrder.append(chosen.key)
        chosen.continuation.resume()
    }
}
