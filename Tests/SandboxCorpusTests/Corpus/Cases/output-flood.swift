import Glibc

nonisolated(unsafe) var flooded = false

/// 8 MiB to standard output and to standard error, once per process; then a correct cache.
func hostileAction(capacity: Int) {
    guard !flooded else { return }
    flooded = true
    let line = [UInt8](repeating: 0x46, count: 4095) + [0x0A]
    for _ in 0..<2048 {
        _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
