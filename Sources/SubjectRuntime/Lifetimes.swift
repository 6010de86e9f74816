#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Counts the values it made and how many were deinitialised, so the driver can ask whether the
/// candidate's code released what it dropped. The counts are the subject's own report: the driver
/// cross-checks them against resident memory measured from outside (``HeavyValue``).
public final class LifetimeTracker: Sendable {
    private let created = Atomic<Int>(0)
    private let released = Atomic<Int>(0)

    public init() {}

    public var createdCount: Int { created.load(ordering: .acquiring) }
    public var releasedCount: Int { released.load(ordering: .acquiring) }

    /// A light value: a small object that reports its deinit.
    public func light(_ payload: Int) -> TrackedValue {
        created.add(1, ordering: .relaxed)
        return TrackedValue(payload: payload, tracker: self)
    }

    /// A heavy value: as ``light(_:)``, also holding `bytes` of resident memory of its own.
    public func heavy(_ payload: Int, bytes: Int) -> TrackedValue {
        created.add(1, ordering: .relaxed)
        return HeavyValue(payload: payload, tracker: self, bytes: bytes)
    }

    fileprivate func didRelease() { released.add(1, ordering: .releasing) }
}

/// A reference-typed value that reports its deinit to a ``LifetimeTracker``.
public class TrackedValue: @unchecked Sendable {
    // Safe: both stored properties are immutable after init.
    public let payload: Int
    private let tracker: LifetimeTracker

    fileprivate init(payload: Int, tracker: LifetimeTracker) {
        self.payload = payload
        self.tracker = tracker
    }

    deinit { tracker.didRelease() }
}

/// A tracked value that holds its own pages of memory, mapped on creation, touched so they are
/// resident, and unmapped in deinit: while it lives, the process's resident memory (which the
/// grader reads from outside) is larger by its size, whatever the subject says about itself.
///
/// The mapping's address is kept in a table beside the objects, not in them: a cache holding the
/// value cannot read it with `Mirror` and unmap the pages while keeping the value (a leak that
/// resident memory would no longer show). Code that reads raw memory or `/proc/self/maps` can
/// still find the pages; the source policy reports what it would need for that.
final class HeavyValue: TrackedValue, @unchecked Sendable {
    // Safe: no stored properties of its own; the table is behind a mutex.
    /// Mapped address and length (bytes) of each living heavy value, and a serial number never
    /// reused (an object's identifier and its pages' address may be, once it is gone).
    private static let mappings = Mutex<(live: [ObjectIdentifier: Mapping], next: UInt64)>(([:], 0))

    struct Mapping {
        var address: UInt
        var length: Int
        var serial: UInt64
    }

    init(payload: Int, tracker: LifetimeTracker, bytes: Int) {
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let length = max(pageSize, (bytes + pageSize - 1) / pageSize * pageSize)
        // Populated at once (faster than faulting each page in), so resident from the start.
        let address = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0)
        super.init(payload: payload, tracker: tracker)
        if let address, address != MAP_FAILED {
            address.storeBytes(of: UInt8(truncatingIfNeeded: payload | 1), as: UInt8.self)
            let key = ObjectIdentifier(self)
            Self.mappings.withLock {
                $0.live[key] = Mapping(address: UInt(bitPattern: address), length: length, serial: $0.next)
                $0.next += 1
            }
        }
    }

    /// Where `value`'s pages are mapped (for tests), nil once it is gone or if it has none.
    static func mapping(of value: HeavyValue) -> Mapping? {
        mappings.withLock { $0.live[ObjectIdentifier(value)] }
    }

    /// Whether the mapping numbered `serial` is still in the table (for tests).
    static func isMapped(serial: UInt64) -> Bool {
        mappings.withLock { $0.live.values.contains { $0.serial == serial } }
    }

    deinit {
        let key = ObjectIdentifier(self)
        guard let mapping = Self.mappings.withLock({ $0.live.removeValue(forKey: key) }) else { return }
        munmap(UnsafeMutableRawPointer(bitPattern: mapping.address), mapping.length)
    }
}
