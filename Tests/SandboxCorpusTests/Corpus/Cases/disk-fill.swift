import Glibc

/// Writes 1 MiB blocks until a write fails (the file-size limit: SIGXFSZ, or EFBIG on the
/// concurrency runtime's threads, which block that signal), then says how far it got.
func hostileAction(capacity: Int) {
    let file = fopen("fill.bin", "w")!
    let block = [UInt8](repeating: 0x41, count: 1 << 20)
    var written = 0
    while fwrite(block, 1, block.count, file) == block.count, fflush(file) == 0 { written += 1 }
    fatalError("disk fill stopped after \(written) MiB (errno \(errno))")
}
