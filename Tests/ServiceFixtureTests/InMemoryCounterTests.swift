import Synchronization
import Testing
import Wire

/// The support type in a candidate's own test program: no driver, no transport, the same
/// behaviour (each call answers the counter right after its own increment).
@Suite struct InMemoryCounterTests {
    @Test func concurrentCallsFromTasksAndThreadsEachSeeTheirOwnIncrement() async throws {
        #expect(ServiceTransports.current == nil)
        let service = CounterService()
        let values = ValueLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 0..<32 {
                group.addTask { values.append(try await service.increment(by: 1, caller: caller)) }
            }
            try await group.waitForAll()
        }
        let threads = (0..<8).map { caller in
            Thread {
                let done = Mutex(false)
                Task { values.append(try await service.increment(by: 1, caller: 32 + caller)); done.withLock { $0 = true } }
                while !done.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.001) }
            }
        }
        threads.forEach { $0.start() }
        while values.count < 40 { try await Task.sleep(for: .milliseconds(1)) }
        #expect(values.sorted == Array(1...40))
        #expect(try await service.increment(by: 5, caller: 99) == 45)
    }
}

final class ValueLog: Sendable {
    private let values = Mutex<[Int]>([])
    func append(_ value: Int) { values.withLock { $0.append(value) } }
    var count: Int { values.withLock { $0.count } }
    var sorted: [Int] { values.withLock { $0.sorted() } }
}

import Foundation
