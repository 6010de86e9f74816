import Challenge
@testable import Solution
import Testing

/// The README's example: 1000 users on the last seat, with store latency and timeouts. Add your own tests
/// beside it (contention on many seats, a write that times out after it landed, a store that stays down).
@Test func onlyOneUserGetsTheLastSeat() async throws {
    let store = SeatStore(seats: ["A1"], latency: .milliseconds(1) ... .milliseconds(3), timeoutRate: 0.1, seed: 7)
    let service = SeatReservationService(store: store)
    let winners = await withTaskGroup(of: String?.self) { group in
        for user in 0..<1000 {
            group.addTask { try? await service.reserveSeat(seatId: "A1", userId: "u\(user)").userId }
        }
        return await group.reduce(into: [String]()) { if let winner = $1 { $0.append(winner) } }
    }
    #expect(winners.count == 1)
    #expect(try await store.read("A1")?.holder == winners.first)
}
