nonisolated(unsafe) var spins = 0

func hostileAction(capacity: Int) {
    guard capacity == 1 else { return }
    while spins >= 0 { spins = spins &+ 1; if spins == Int.max { spins = 0 } }
}
