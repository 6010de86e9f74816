#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Reads a running program's figures from `/proc`, from outside it: how the grader measures a
/// check's subject while the check runs (the subject cannot change what the kernel reports).
public enum ProcessProbe {
    public struct Reading: Sendable, Equatable {
        public var residentBytes: UInt64
        public var cpuMicros: UInt64
    }

    /// The program a runner started as `processID`: for a sandboxed one, the launcher's keeper's
    /// child (launcher → keeper → program), otherwise the process itself. Nil once it is gone.
    public static func program(startedAs processID: Int32, sandboxed: Bool) -> Int32? {
        guard sandboxed else { return processID }
        return keeper(startedAs: processID).flatMap { children(of: $0).first }
    }

    /// The keeper a sandboxed runner started as `processID` (launcher → keeper → program).
    public static func keeper(startedAs processID: Int32) -> Int32? {
        children(of: processID).first
    }

    /// Resident memory and CPU time (all threads) of `processID`; nil when it is gone.
    public static func read(_ processID: Int32) -> Reading? {
        guard let text = try? String(contentsOfFile: "/proc/\(processID)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // After "(comm)": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
        // utime(14) stime(15) cutime cstime priority nice num_threads itrealvalue starttime vsize rss(24)
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 21, let utime = UInt64(fields[11]), let stime = UInt64(fields[12]),
              let rssPages = UInt64(fields[21]) else { return nil }
        let ticks = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))
        let page = UInt64(max(1, sysconf(Int32(_SC_PAGESIZE))))
        return Reading(residentBytes: rssPages * page, cpuMicros: (utime + stime) * 1_000_000 / ticks)
    }

    /// How many threads of `processID` are running or ready to run (state `R` in
    /// `/proc/<pid>/task/<tid>/stat`); 0 when every thread waits; nil when its threads cannot be
    /// listed (the process is gone, or `/proc` is not readable): never a guess that it is idle.
    public static func runnableThreads(_ processID: Int32) -> Int? {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(processID)/task") else { return nil }
        var runnable = 0
        for task in tasks {
            guard let text = try? String(contentsOfFile: "/proc/\(processID)/task/\(task)/stat", encoding: .utf8),
                  let close = text.lastIndex(of: ")") else { continue }
            if text[text.index(after: close)...].dropFirst().first == "R" { runnable += 1 }
        }
        return runnable
    }

    /// Whether `processID` exists and has not begun to end: a zombie (awaiting its parent) has
    /// ended, and one the kernel marked exiting (`PF_EXITING`, set before its descriptors are
    /// closed) is on its way, though `/proc` may still show it running.
    public static func isRunning(_ processID: Int32) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/\(processID)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return false }
        // After "(comm)": state ppid pgrp session tty_nr tpgid flags
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 6, let flags = UInt32(fields[6]) else { return false }
        let exiting: UInt32 = 0x4  // PF_EXITING, include/linux/sched.h
        return fields[0] != "Z" && fields[0] != "X" && flags & exiting == 0
    }

    /// Where descriptor `descriptor` of `processID` points (`pipe:[1234]`, `/dev/null`, a path), or
    /// the `errno` of the failed read: `ENOENT` when the descriptor is closed or the process gone,
    /// `EACCES`/`EPERM` when this process may not look (reading another user's descriptors needs
    /// the right to trace it).
    public static func descriptorTarget(_ processID: Int32, _ descriptor: Int32) -> Result<String, DescriptorReadError> {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/\(processID)/fd/\(descriptor)", &buffer, buffer.count - 1)
        guard count > 0 else { return .failure(DescriptorReadError(code: count < 0 ? errno : EINVAL)) }
        return .success(String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// A failed ``descriptorTarget(_:_:)``.
    public struct DescriptorReadError: Error, Equatable {
        public var code: Int32
        /// The descriptor is not open, or the process is gone.
        public var isMissing: Bool { code == ENOENT || code == ESRCH }
    }

    static func children(of processID: Int32) -> [Int32] {
        guard let text = try? String(contentsOfFile: "/proc/\(processID)/task/\(processID)/children", encoding: .utf8) else { return [] }
        return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
