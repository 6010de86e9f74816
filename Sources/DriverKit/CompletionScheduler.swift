/// Completes a simulated service's pending calls one at a time, in an order a seeded generator
/// chooses among the calls waiting at that moment: the driver, not the machine's timing, decides
/// which of the candidate's concurrent calls lands first.
///
/// A call's handler awaits ``turn()``, performs its effect on the service's state, and calls
/// ``done()``. The scheduler picks the next call only once the previous one is done and either
/// `expected` calls have arrived in all or no new call arrived for `settle` (the subject has gone
/// quiet).
/// With `expected` set to the number of calls the subject makes at once, the order is a function
/// of the seed alone; with only the settle window it is as long as the subject reacts within it.
public actor CompletionScheduler {
    private var generator: SeededGenerator
    private let expected: Int?
    private let settle: Duration
    private var waiting: [(ticket: Int, continuation: CheckedContinuation<Void, Never>)] = []
    private var nextTicket = 0
    private var busy = false
    private var arrivals = 0
    /// Tickets in the order they were completed (tickets count arrivals from 0).
    public private(set) var completionOrder: [Int] = []

    public init(seed: UInt64, expected: Int? = nil, settle: Duration = .milliseconds(5)) {
        generator = SeededGenerator(seed: seed)
        self.expected = expected
        self.settle = settle
    }

    /// Suspends until the scheduler chooses this call; returns its ticket (its arrival number).
    @discardableResult
    public func turn() async -> Int {
        let ticket = nextTicket
        nextTicket += 1
        arrivals += 1
        await withCheckedContinuation { continuation in
            waiting.append((ticket, continuation))
            schedule()
        }
        return ticket
    }

    /// The chosen call has performed its effect: the next one may be chosen.
    public func done() {
        busy = false
        schedule()
    }

    private func schedule() {
        guard !busy, !waiting.isEmpty else { return }
        if let expected, arrivals >= expected {
            release()
            return
        }
        let seen = arrivals
        Task {
            try? await Task.sleep(for: settle)
            self.settled(after: seen)
        }
    }

    private func settled(after seen: Int) {
        guard seen == arrivals else { return }
        if !busy, !waiting.isEmpty { release() }
    }

    private func release() {
        let index = Int(generator.next() % UInt64(waiting.count))
        let chosen = waiting.remove(at: index)
        busy = true
        completionOrder.append(chosen.ticket)
        chosen.continuation.resume()
    }
}
