@testable import DriverKit
import Synchronization
import Testing
import Wire

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
                        let turn = await simulation.turn(caller: caller)
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
    /// A read of `object` (a seat) by the reservations `owners`, at `version`.
    static func read(_ object: String, version: Int = 0, owners: Set<Int>) -> FaultTarget {
        FaultTarget(object: object, effect: nil, version: version, owners: owners)
    }

    /// A change of `object` setting `holder`, the reservations `owners`' own.
    static func change(_ object: String, _ holder: String, version: Int = 0, owners: Set<Int>) -> FaultTarget {
        FaultTarget(object: object, effect: "holder \(holder)", version: version, owners: owners)
    }

    @Test func scriptedFaultsComeFirstPerParticipantThenTheRateWithinItsBudgets() {
        // A scripted fault is charged to the budget too: 2 changes = the scripted one and one more.
        let plan = FaultPlan(rate: 1, afterEffectShare: 1, readsPerParticipant: 2, effectsPerParticipant: 2,
                             firstFaultsByOperation: ["insert": [.afterEffect, .none]])
        let injector = FaultInjector(plan: plan, seed: 1)
        let seat = "seat A"
        #expect(injector.decide(Self.change(seat, "u0", owners: [0]), operation: "insert", at: .zero) == .afterEffect) // scripted
        #expect(injector.decide(Self.change(seat, "u0", version: 1, owners: [0]), operation: "insert", at: .zero) == .none) // scripted
        #expect(injector.decide(Self.read(seat, owners: [0]), at: .zero) == .beforeEffect)   // rate 1: a read never lands
        #expect(injector.decide(Self.read(seat, owners: [0]), at: .zero) == .beforeEffect)   // the second read of the budget…
        #expect(injector.decide(Self.read(seat, owners: [0]), at: .zero) == .none)           // …and no third
        #expect(injector.decide(Self.change(seat, "u0", version: 2, owners: [0]), at: .zero) == .afterEffect) // one change…
        #expect(injector.decide(Self.change(seat, "u0", version: 3, owners: [0]), at: .zero) == .none)        // …and no more
        #expect(injector.decide(Self.change(seat, "u1", owners: [1]), operation: "insert", at: .zero) == .afterEffect) // its own script
    }

    @Test func outagesAndADownServiceFailEveryCallBeforeItsEffect() {
        let outage = FaultInjector(plan: FaultPlan(outages: [.milliseconds(10) ..< .milliseconds(20)]), seed: 1)
        let call = Self.change("seat A", "u0", owners: [0])
        #expect(outage.decide(call, at: .milliseconds(9)) == .none)
        #expect(outage.decide(call, at: .milliseconds(10)) == .beforeEffect)
        #expect(outage.decide(call, at: .milliseconds(20)) == .none)
        let down = FaultInjector(plan: FaultPlan(down: true), seed: 1)
        #expect(down.decide(call, at: .zero) == .beforeEffect)
        #expect(down.decide(Self.read("seat A", owners: []), at: .zero) == .beforeEffect, "down is down for everyone")
        #expect(outage.decide(nil, at: .milliseconds(15)) == .none, "a sleep never fails")
    }

    @Test func theSameSeedAndCallsGiveTheSameFaults() {
        let plan = FaultPlan(rate: 0.3)
        func faults(_ seed: UInt64) -> [InjectedFault] {
            let injector = FaultInjector(plan: plan, seed: seed)
            return (0..<200).map { injector.decide(Self.change("seat \($0 % 7)", "u\($0)", version: $0 / 7, owners: [$0]), at: .zero) }
        }
        #expect(faults(5) == faults(5))
        #expect(faults(5) != faults(6))
        #expect(faults(5).contains(.afterEffect) && faults(5).contains(.beforeEffect) && faults(5).contains(.none))
    }

    /// Which of several concurrent callers does the work on an object (the first to take the
    /// candidate's lock, say) is the machine's choice, and the caller's tag is the subject's: the
    /// faults follow the object, the change and its version, whoever makes the calls.
    @Test func faultsFollowWhatTheCallIsAboutNotWhoMakesIt() {
        let plan = FaultPlan(rate: 0.4)
        func faults(owners: Set<Int>) -> [InjectedFault] {
            let injector = FaultInjector(plan: plan, seed: 9)
            return (0..<30).map { injector.decide(Self.change("payment pay_1", "row", version: $0, owners: owners), at: .zero) }
        }
        #expect(faults(owners: [3]) == faults(owners: [17]))
        #expect(faults(owners: [3]).contains(.none) && faults(owners: [3]).contains { $0 != .none })
        let injector = FaultInjector(plan: plan, seed: 9)
        let other = (0..<30).map { injector.decide(Self.change("payment pay_2", "row", version: $0, owners: [3]), at: .zero) }
        #expect(other != faults(owners: [3]), "two objects drew the same faults")
    }

    /// Class 2 of issue 17: throwaway calls made to use up a participant's faults first (a
    /// compare-and-set on a version that cannot exist, which changes nothing; reads of the seat
    /// until some fail) leave the faults of its own change exactly as they were: another content is
    /// another draw, and only its own change spends its budget of changes.
    @Test func throwawayCallsDoNotSpareTheCallsThatMatter() {
        let plan = FaultPlan(rate: 0.5, readsPerParticipant: 2, effectsPerParticipant: 1)
        func claim(after throwaway: Int) -> InjectedFault {
            let injector = FaultInjector(plan: plan, seed: 4)
            for _ in 0..<throwaway { _ = injector.decide(Self.read("seat A", version: 0, owners: [0]), at: .zero) }
            return injector.decide(Self.change("seat A", "u0", version: 0, owners: [0]), at: .zero)
        }
        let honest = claim(after: 0)
        #expect(honest != .none, "seed 4 makes the claim fail; the test needs that")
        for throwaway in [1, 3, 10, 50] { #expect(claim(after: throwaway) == honest, "\(throwaway) throwaway calls changed the claim's fault") }
        // A scripted "first write fails" is the first change of the participant's own: a change
        // nobody in flight asked for is nobody's and spends no one's script.
        let scripted = FaultInjector(plan: FaultPlan(firstWriteFaults: [.beforeEffect]), seed: 1)
        #expect(scripted.decide(Self.change("seat A", "someone else", owners: []), at: .zero) == .none)
        #expect(scripted.decide(Self.read("seat A", owners: [0]), at: .zero) == .none)
        #expect(scripted.decide(Self.change("seat A", "u0", owners: [0]), at: .zero) == .beforeEffect)
    }

    /// A participant never meets more faults than its budget, whoever the calls are charged to: a
    /// read of a seat counts against every reservation of it in flight, so calls made under one
    /// forged tag, or from a task of no reservation, cannot make anyone's count wrong.
    @Test func aBudgetHoldsForEveryOwnerOfACall() {
        let injector = FaultInjector(plan: FaultPlan(rate: 1, readsPerParticipant: 2, effectsPerParticipant: 1), seed: 3)
        var seen: [Int: Int] = [:]
        for index in 0..<40 {
            let owners: Set<Int> = index % 3 == 0 ? [0, 1, 2] : [index % 3]
            let target = index % 4 == 0 ? Self.change("seat A", "u\(index % 3)", version: index, owners: [index % 3])
                                        : Self.read("seat A", version: index, owners: owners)
            if injector.decide(target, at: .zero) != .none { for owner in target.owners { seen[owner, default: 0] += 1 } }
        }
        #expect(seen.values.allSatisfy { $0 <= 3 }, "\(seen)")
        #expect(seen.values.contains(3))
    }
}

/// Where a service call goes when a check has several simulations (issue 17, class 7): to the owner
/// of the object (or caller) it names, never to the simulation registered last.
@Suite struct ServiceDirectoryTests {
    /// A simulation that answers with its name.
    struct Named: ServiceHandler {
        let name: String
        func handle(_ call: ServiceCall) async throws -> [UInt8] { Array(name.utf8) }
    }

    static func call(_ id: Int, service: String = "store") -> ServiceCall {
        var body = WireWriter()
        body.int(id)
        body.string("rest of the call")
        return ServiceCall(id: 1, service: service, body: body.bytes)
    }

    @Test func aCallReachesTheSimulationThatHoldsItsObject() async throws {
        let directory = ServiceDirectory()
        let earlier = directory.newObject(owner: Named(name: "round 1"))
        let later = directory.newObject(owner: Named(name: "round 2"))
        #expect(earlier != later)
        let router = directory.router(.object)
        // A task left over from round 1 still reaches round 1's tables.
        #expect(String(decoding: try await router.handle(Self.call(earlier)), as: UTF8.self) == "round 1")
        #expect(String(decoding: try await router.handle(Self.call(later)), as: UTF8.self) == "round 2")
        await #expect(throws: CheckFailure.self) { try await router.handle(Self.call(later + 1)) }
        await #expect(throws: CheckFailure.self) { try await router.handle(ServiceCall(id: 2, service: "store", body: [0xFF])) }
    }

    @Test func reportsGoToTheRoundThatClaimedTheCaller() async throws {
        let directory = ServiceDirectory()
        directory.claim(callers: [0, 1], owner: Named(name: "rehearsal"))
        directory.claim(callers: [1, 2], owner: Named(name: "storm"))
        let router = directory.router(.caller)
        #expect(String(decoding: try await router.handle(Self.call(0, service: "users")), as: UTF8.self) == "rehearsal")
        #expect(String(decoding: try await router.handle(Self.call(1, service: "users")), as: UTF8.self) == "storm")
        // A call from no caller of any round (an untagged task) goes to the round claimed last.
        #expect(String(decoding: try await router.handle(Self.call(-1, service: "users")), as: UTF8.self) == "storm")
        await #expect(throws: CheckFailure.self) { try await router.handle(Self.call(7, service: "users")) }
    }
}
