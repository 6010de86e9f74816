#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// An exclusive `flock` on `<data-dir>/daemon.lock`, held for the daemon's life.
///
/// SQLite serves one daemon per database. Holding this lock is what makes it sound, at start, to
/// requeue every job found mid-grading (``GraderStore/DaemonStore/releaseAbandonedLeases(at:)``):
/// no other daemon can be grading them. The kernel drops the lock when the process dies, SIGKILL
/// included.
public final class DaemonLock: Sendable {
    private let descriptor: Int32

    public init(dataDirectory: URL) throws {
        let path = dataDirectory.appendingPathComponent("daemon.lock").path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw DaemonLockError.cannotOpen(path, String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(descriptor)
            throw DaemonLockError.held(path, holder: holder)
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = pid.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

public enum DaemonLockError: Error, CustomStringConvertible {
    case cannotOpen(String, String)
    case held(String, holder: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open \(path): \(reason)"
        case .held(let path, let holder):
            "another daemon serves this data directory (\(path) is locked\(holder.isEmpty ? "" : " by pid \(holder)"))"
        }
    }
}
