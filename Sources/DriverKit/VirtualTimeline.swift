/// A discrete-event clock for the simulated services: each call the candidate's code makes is
/// due at a virtual time (when it arrived plus a latency the driver chooses from a seed), and calls
/// complete one at a time in order of that time, so the driver, not the machine, decides which of
/// the candidate's concurrent calls lands first, and how long everything took in virtual time.
///
/// A call completes only once the subject is *quiescent*: every participant (a user, a webhook
/// delivery: whatever a check started at once) has either a call waiting here or finished
/// (``participantFinished(_:)``). Participants are counted, not calls: one with two calls in
/// flight, a second finish report, or calls no participant owns (a negative id: a task the round
/// did not start) never make up for one that has not arrived yet. Then no call can still arrive that is due earlier, and the order is
/// a function of the seed and of what the candidate's code does, whatever the machine's timing.
/// A participant that waits on something else (a lock of the candidate's, another user's call)
/// never shows as waiting here. When no call or finish arrives for `settle` of real time, the
/// timeline asks `idle` (the grader's reading of the subject's threads from `/proc`: none running
/// or ready to run) and completes the earliest call once the subject is idle, or once it has been
/// quiet here for ``maximumQuietSeconds`` whatever it does (a spinning solution still progresses).
/// So solutions that wait on their own locks are scheduled by state, not by the machine's speed.
///
/// With ``Schedule/bursts`` (the race pass), every waiting call completes at once when the
/// subject is quiescent: the candidate's code after each call then runs on several threads at
/// the same time, which is what ThreadSanitizer needs to see an unsynchronised access.
///
/// Sleeps are calls too (a virtual sleeper's `sleep(for:)` is a call due after its duration), so
/// backoff is measured in virtual time and never slept for real.
public actor VirtualTimeline {
    private struct Waiting {
        var key: String
        var participant: Int
        var due: Duration
        var ticket: Int
        var continuation: CheckedContinuation<Duration, Never>
    }

    /// How calls are completed.
    public enum Schedule: Sendable {
        /// One at a time, in order of due time (deterministic; the checks).
        case oneAtATime
        /// Every waiting call at once (the race pass).
        case bursts
    }

    private let participants: Int
    /// The participants' ids, when known: calls and finishes of anyone else count for no one.
    private let members: Set<Int>?
    private let settle: Duration
    private let schedule: Schedule
    private let idle: (@Sendable () async -> Bool?)?
    private var quietSince = DriverClock.nanos()
    private var waiting: [Waiting] = []
    /// How many of ``waiting`` each participant owns.
    private var waitingCalls: [Int: Int] = [:]
    private var finished: Set<Int> = []
    private var busy = false
    private var nextTicket = 0
    /// Bumped by every arrival, finish and completion: a settle timer fires only if nothing moved.
    private var generation = 0

    /// The virtual time: the due time of the call completed last.
    public private(set) var now: Duration = .zero
    /// Where this timeline's virtual time started (a check's rounds share one clock).
    public nonisolated let start: Duration

    /// Virtual time since the start.
    public var elapsed: Duration { now - start }
    /// The most calls ever waiting at once (2 or more: the candidate's calls overlapped).
    public private(set) var maximumWaiting = 0
    /// How many completions waited for the settle window instead of quiescence.
    public private(set) var settledCompletions = 0
    /// How many calls completed.
    public private(set) var completions = 0

    /// Longest wait for an idle subject before the earliest call completes anyway.
    public static let maximumQuietSeconds = 0.5

    /// `members`, when given, are the participants' ids: a call or finish from any other id (a task
    /// left over from an earlier round, a forged tag) then stands in for no participant.
    public init(participants: Int, members: Set<Int>? = nil, settle: Duration = .milliseconds(1), start: Duration = .zero,
                schedule: Schedule = .oneAtATime, idle: (@Sendable () async -> Bool?)? = nil) {
        self.participants = max(1, participants)
        self.members = members
        self.settle = settle
        self.schedule = schedule
        self.idle = idle
        self.start = start
        now = start
    }

    /// Suspends the call until it is its turn; returns the virtual time at which it completes.
    /// `key` names the call independently of when it arrived (its caller and that caller's call
    /// number); it breaks ties between calls due at the same time. `participant` is who made it
    /// (from 0; negative: no participant of the round). The caller performs the call's effect and
    /// then calls ``done()``.
    public func complete(after latency: Duration, key: String, participant: Int) async -> Duration {
        let due = now + max(.zero, latency)
        let ticket = nextTicket
        nextTicket += 1
        return await withCheckedContinuation { continuation in
            waiting.append(Waiting(key: key, participant: participant, due: due, ticket: ticket, continuation: continuation))
            if counts(participant) { waitingCalls[participant, default: 0] += 1 }
            maximumWaiting = max(maximumWaiting, waiting.count)
            moved()
        }
    }

    /// The call chosen last has performed its effect: the next may be chosen.
    public func done() {
        busy = false
        moved()
    }

    /// A participant finished (it will make no more calls this round).
    public func participantFinished(_ participant: Int) {
        guard counts(participant) else { return }
        finished.insert(participant)
        moved()
    }

    private func counts(_ participant: Int) -> Bool {
        participant >= 0 && members.map { $0.contains(participant) } ?? true
    }

    /// Participants with a call waiting or finished.
    private var accountedFor: Int {
        finished.count + waitingCalls.keys.lazy.filter { !self.finished.contains($0) }.count
    }


    private func moved() {
        generation += 1
        quietSince = DriverClock.nanos()
        guard !busy, !waiting.isEmpty else { return }
        if accountedFor >= participants {
            release(settled: false)
            return
        }
        let seen = generation
        Task {
            try? await Task.sleep(for: settle)
            self.settleTimerFired(seen)
        }
    }

    private func settleTimerFired(_ seen: Int) {
        guard seen == generation, !busy, !waiting.isEmpty else { return }
        guard let idle, DriverClock.seconds(since: quietSince) < Self.maximumQuietSeconds else {
            release(settled: true)
            return
        }
        Task.detached {
            let answer = await idle()
            await self.probed(seen, idle: answer)
        }
    }

    private func probed(_ seen: Int, idle: Bool?) {
        guard seen == generation, !busy, !waiting.isEmpty else { return }
        if idle == false {
            // Something in the subject still runs: look again after another window.
            Task {
                try? await Task.sleep(for: settle)
                self.settleTimerFired(seen)
            }
            return
        }
        release(settled: true)
    }

    private func release(settled: Bool) {
        if schedule == .bursts {
            let all = waiting.sorted { ($0.due, $0.key, $0.ticket) < ($1.due, $1.key, $1.ticket) }
            waiting.removeAll()
            waitingCalls.removeAll()
            generation += 1
            completions += all.count
            if settled { settledCompletions += all.count }
            now = max(now, all.last?.due ?? now)
            for call in all { call.continuation.resume(returning: call.due) }
            return
        }
        var index = 0
        for candidate in waiting.indices.dropFirst() {
            let a = waiting[candidate], b = waiting[index]
            if (a.due, a.key, a.ticket) < (b.due, b.key, b.ticket) { index = candidate }
        }
        let chosen = waiting.remove(at: index)
        if counts(chosen.participant) {
            waitingCalls[chosen.participant, default: 1] -= 1
            if waitingCalls[chosen.participant] == 0 { waitingCalls[chosen.participant] = nil }
        }
        busy = true
        generation += 1
        completions += 1
        if settled { settledCompletions += 1 }
        now = max(now, chosen.due)
        chosen.continuation.resume(returning: chosen.due)
    }
}

extension Duration {
    /// Whole milliseconds, for messages.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

extension SeededGenerator {
    /// A generator for one named decision under `seed` (a call's latency, whether it faults), so
    /// the decision depends on the seed and the name alone, never on how many decisions came before.
    public init(seed: UInt64, name: String) {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325   // FNV-1a
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        self.init(seed: seed ^ hash)
        _ = next()
    }

    /// A uniformly chosen fraction in [0, 1).
    public mutating func fraction() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
