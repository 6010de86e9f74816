import DriverKit
import Synchronization
import Testing

@Suite struct VirtualTimelineTests {
    /// `callers` concurrent callers, each making `calls` calls in a row (arriving after random real
    /// delays), on a simulation under `seed`; returns the order in which the calls completed.
    /// Between two calls a caller "computes" (sleeps a random while, longer than the settle
    /// window); the probe says the subject is busy, as the grader's reading of its threads would,
    /// so only quiescence (every caller waiting or finished) completes a call.
    func completionOrder(seed: UInt64, callers: Int, calls: Int) async -> [String] {
        let simulation = ServiceSimulation(seed: seed, idle: { false })
        simulation.beginRound(participants: callers)
        let log = EffectLog()
        await withTaskGroup(of: Void.self) { group in
            for caller in 0..<callers {
                group.addTask {
                    for call in 0..<calls {
                        try? await Task.sleep(for: .microseconds(Int.random(in: 0..<3_000)))
                        let turn = await simulation.turn(caller: caller, operation: "op", writes: false)
                        log.entries.withLock { $0.append("\(caller).\(call)@\(turn.at.wholeMilliseconds)") }
                        await turn.done()
                    }
                    simulation.finish(caller: caller)
                }
            }
        }
        return log.entries.withLock { $0 }
    }

    @Test func theSeedAndTheCallsAloneDecideTheOrderWhateverTheMachinesTiming() async {
        let first = await completionOrder(seed: 11, callers: 6, calls: 4)
        #expect(first.count == 24)
        for _ in 0..<3 { #expect(await completionOrder(seed: 11, callers: 6, calls: 4) == first) }
        #expect(await completionOrder(seed: 12, callers: 6, calls: 4) != first, "two seeds gave one order")
    }

    @Test func callsCompleteInOrderOfVirtualTimeAndTheClockAdvances() async {
        let timeline = VirtualTimeline(participants: 3)
        let order = EffectLog()
        await withTaskGroup(of: Void.self) { group in
            for (participant, (key, latency)) in [("slow", 30), ("fast", 5), ("middle", 12)].enumerated() {
                group.addTask {
                    let at = await timeline.complete(after: .milliseconds(latency), key: key, participant: participant)
                    order.entries.withLock { $0.append("\(key)@\(at.wholeMilliseconds)") }
                    await timeline.done()
                    await timeline.participantFinished(participant)
                }
            }
        }
        #expect(order.entries.withLock { $0 } == ["fast@5", "middle@12", "slow@30"])
        #expect(await timeline.now == .milliseconds(30))
        #expect(await timeline.maximumWaiting == 3)
        #expect(await timeline.settledCompletions == 0)
    }

    /// A participant that waits on something other than the timeline (a lock of the candidate's)
    /// never shows as waiting: the settle window completes the waiting call anyway.
    @Test func aParticipantWaitingElsewhereDoesNotStallTheOthers() async {
        let timeline = VirtualTimeline(participants: 2, settle: .milliseconds(2))
        let at = await timeline.complete(after: .milliseconds(7), key: "alone", participant: 0)
        await timeline.done()
        #expect(at == .milliseconds(7))
        #expect(await timeline.settledCompletions == 1)
    }

    /// Quiescence counts participants, not calls: one participant's two calls in flight, a second
    /// finish report of the same participant, or a call no participant owns (no id, or an id not
    /// in the round) never stand in for a participant whose call is still on its way (it may be
    /// due first).
    @Test func participantsAreCountedNotCalls() async {
        let timeline = VirtualTimeline(participants: 3, members: [0, 1, 2], idle: { false })
        let order = EffectLog()
        await timeline.participantFinished(2)
        await timeline.participantFinished(2)
        await withTaskGroup(of: Void.self) { group in
            for (participant, key, latency, delay) in [(0, "first of 0", 40, 0), (0, "second of 0", 50, 0),
                                                       (-1, "nobody's", 45, 0), (7, "a stranger's", 46, 0),
                                                       (1, "late but due first", 1, 30)] {
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(delay))
                    let at = await timeline.complete(after: .milliseconds(latency), key: key, participant: participant)
                    order.entries.withLock { $0.append("\(key)@\(at.wholeMilliseconds)") }
                    await timeline.done()
                    if participant == 1 { await timeline.participantFinished(1) }
                }
            }
        }
        #expect(order.entries.withLock { $0 } == ["late but due first@1", "first of 0@40", "nobody's@45", "a stranger's@46",
                                                   "second of 0@50"])
        #expect(await timeline.settledCompletions == 0)
    }
}

@Suite struct FaultInjectorTests {
    @Test func scriptedFaultsComeFirstPerCallerThenTheRateWithinItsCaps() {
        let plan = FaultPlan(rate: 1, afterEffectShare: 1, maximumConsecutive: 2, maximumPerCaller: 3,
                             firstFaultsByOperation: ["insert": [.afterEffect, .none]])
        let injector = FaultInjector(plan: plan, seed: 1)
        func decide(_ caller: Int, _ number: Int, _ operation: String, writes: Bool) -> InjectedFault {
            injector.decide(key: "\(caller) #\(number)", caller: caller, number: number, at: .zero, writes: writes, operation: operation)
        }
        #expect(decide(0, 0, "insert", writes: true) == .afterEffect)   // scripted
        #expect(decide(0, 1, "insert", writes: true) == .none)          // scripted
        #expect(decide(0, 2, "read", writes: false) == .beforeEffect)   // rate 1: a read never lands
        #expect(decide(0, 3, "write", writes: true) == .afterEffect)    // two in a row: the cap of 2…
        #expect(decide(0, 4, "write", writes: true) == .none)           // …spares the next
        #expect(decide(0, 5, "write", writes: true) == .none)           // 3 in all for caller 0: no more
        #expect(decide(1, 0, "insert", writes: true) == .afterEffect)   // every caller has its own script
    }

    @Test func outagesAndADownServiceFailEveryCallBeforeItsEffect() {
        let outage = FaultInjector(plan: FaultPlan(outages: [.milliseconds(10) ..< .milliseconds(20)]), seed: 1)
        #expect(outage.decide(key: "a", caller: 0, number: 0, at: .milliseconds(9), writes: true) == .none)
        #expect(outage.decide(key: "b", caller: 0, number: 1, at: .milliseconds(10), writes: true) == .beforeEffect)
        #expect(outage.decide(key: "c", caller: 0, number: 2, at: .milliseconds(20), writes: true) == .none)
        let down = FaultInjector(plan: FaultPlan(down: true), seed: 1)
        #expect(down.decide(key: "d", caller: 0, number: 0, at: .zero, writes: true) == .beforeEffect)
    }

    @Test func theSameSeedAndKeysGiveTheSameFaults() {
        let plan = FaultPlan(rate: 0.3, maximumConsecutive: 3)
        func faults(_ seed: UInt64) -> [InjectedFault] {
            let injector = FaultInjector(plan: plan, seed: seed)
            return (0..<200).map { injector.decide(key: "\($0 % 7) #\($0 / 7)", caller: $0 % 7, number: $0 / 7, at: .zero, writes: true) }
        }
        #expect(faults(5) == faults(5))
        #expect(faults(5) != faults(6))
        #expect(faults(5).contains(.afterEffect) && faults(5).contains(.beforeEffect) && faults(5).contains(.none))
    }

    /// Which of several concurrent callers does the work on an object (the first to take the
    /// candidate's lock, say) is the machine's choice: the faults that work meets follow the
    /// object and its calls, whoever makes them.
    @Test func faultsFollowTheObjectNotTheCaller() {
        let plan = FaultPlan(rate: 0.4, maximumConsecutive: 3)
        func faults(workDoneBy caller: Int) -> [InjectedFault] {
            let injector = FaultInjector(plan: plan, seed: 9)
            return (0..<30).map { number in
                injector.decide(key: "\(caller) #\(number)", object: "payment pay_1", caller: caller, number: number,
                                at: .zero, writes: true)
            }
        }
        #expect(faults(workDoneBy: 3) == faults(workDoneBy: 17))
        #expect(faults(workDoneBy: 3).contains(.none) && faults(workDoneBy: 3).contains { $0 != .none })
        let injector = FaultInjector(plan: plan, seed: 9)
        let other = (0..<30).map { injector.decide(key: "3 #\($0)", object: "payment pay_2", caller: 3, number: $0, at: .zero, writes: true) }
        #expect(other != faults(workDoneBy: 3), "two objects drew the same faults")
    }
}
