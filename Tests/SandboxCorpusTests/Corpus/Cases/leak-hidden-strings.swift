// corpus: whole submission
import Glibc

/// Issue 8's second forger: on first use, lists the printable strings of its own executable's
/// mappings that mention "evict" or "expected" and crashes with them, so that whatever the
/// process holds lands in the (public) check's message. Against the old harness this printed the
/// hidden checks' messages; a subject holds none.
final class LRUCache<Key: Hashable, Value> {
    init(capacity: Int) { Leaker.once() }
    func get(_ key: Key) -> Value? { nil }
    func put(_ key: Key, _ value: Value) {}
    var count: Int { 0 }
}

enum Leaker {
    static func once() {
        var target = [CChar](repeating: 0, count: 4096)
        let exe = ["", "proc", "self", "exe"].joined(separator: "/")
        let length = readlink(exe, &target, 4095)
        let executable = length > 0 ? String(cString: target) : "subject"
        let path = ["", "proc", "self", "maps"].joined(separator: "/")
        guard let file = fopen(path, "r") else { return }
        var found: [String] = []
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, 4096, file) != nil {
            let text = String(cString: line)
            let fields = text.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1].hasPrefix("r"), text.hasSuffix(executable + "\n") else { continue }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16),
                  let base = UnsafePointer<UInt8>(bitPattern: start) else { continue }
            var current: [UInt8] = []
            for offset in 0..<Int(end - start) {
                let byte = base[offset]
                if byte >= 32 && byte < 127 { current.append(byte); continue }
                if current.count >= 12 {
                    let string = String(decoding: current, as: UTF8.self)
                    if (string.contains("evict") || string.contains("expected")) && !found.contains(string) { found.append(string) }
                }
                current = []
            }
        }
        fclose(file)
        fatalError("LEAKED \(found.count): " + found.prefix(40).joined(separator: " | "))
    }
}
