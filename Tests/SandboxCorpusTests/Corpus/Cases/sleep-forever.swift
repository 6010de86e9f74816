import Glibc

func hostileAction(capacity: Int) {
    guard capacity == 1 else { return }
    while true { sleep(1_000_000) }
}
