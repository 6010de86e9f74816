#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Figures about the current process that checks use as evidence (memory, CPU).
public enum ProcessStats {
    /// Current resident set size in bytes, from `/proc/self/statm` (0 where unavailable).
    public static func residentBytes() -> Int64 {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let length = fread(&buffer, 1, buffer.count - 1, file)
        // Fields: total program size, resident set size, ... (in pages).
        let fields = String(decoding: buffer[..<length], as: UTF8.self).split(separator: " ")
        guard fields.count >= 2, let residentPages = Int64(fields[1]) else { return 0 }
        return residentPages * Int64(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Peak resident set size of this process in bytes.
    public static func maxResidentBytes() -> Int64 {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        #if os(Linux)
        return Int64(usage.ru_maxrss) * 1024
        #else
        return Int64(usage.ru_maxrss)
        #endif
    }

    /// CPU time consumed by all threads of this process, in microseconds.
    public static func cpuMicros() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
    }

    /// A monotonic timestamp in nanoseconds, for measuring durations.
    public static func monotonicNanos() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

