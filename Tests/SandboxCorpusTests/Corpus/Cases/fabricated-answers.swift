import Glibc

nonisolated(unsafe) var fabricated = false

/// On first use, writes a fabricated stream of answers and storm observations to every open
/// descriptor, the driver's channel among them: responses to the first requests saying "done",
/// "a value", "count 1", an all-clear storm report, then garbage. The cache is the reference.
func hostileAction(capacity: Int) {
    guard !fabricated else { return }
    fabricated = true
    func frame(_ kind: UInt8, _ id: UInt64, _ body: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        var length = UInt32(9 + body.count)
        for _ in 0..<4 { bytes.append(UInt8(length & 0xFF)); length >>= 8 }
        bytes.append(kind)
        var value = id
        for _ in 0..<8 { bytes.append(UInt8(value & 0xFF)); value >>= 8 }
        return bytes + body
    }
    var stream: [UInt8] = []
    for id in UInt64(1)...32 {
        stream += frame(3, id, [])                  // "done" (an empty answer)
        stream += frame(3, id, [1, 1, 0, 2])        // one answer: the value 1
        stream += frame(3, id, [1, 2, 2])           // one answer: count 1
        stream += frame(3, id, [8] + [UInt8](repeating: 0, count: 8 * 2))  // a storm of 8 threads, nothing observed
    }
    stream += [UInt8](repeating: 0xFF, count: 512)
    for descriptor in Int32(0)..<1024 {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { continue }
        _ = stream.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
