import Synchronization

/// Counts live ``Tracked`` values, so a check can see whether a cache released what it dropped.
public final class LifetimeTracker: Sendable {
    private let created = Atomic<Int>(0)
    private let released = Atomic<Int>(0)

    public init() {}

    /// Creates a value whose release this tracker counts.
    public func make(_ payload: Int) -> Tracked {
        created.add(1, ordering: .relaxed)
        return Tracked(payload: payload, tracker: self)
    }

    public var createdCount: Int { created.load(ordering: .acquiring) }
    public var releasedCount: Int { released.load(ordering: .acquiring) }
    /// Values created and not yet released.
    public var liveCount: Int { createdCount - releasedCount }

    fileprivate func didRelease() { released.add(1, ordering: .releasing) }
}

/// A reference-typed value that reports its own deinit to a ``LifetimeTracker``.
public final class Tracked: Sendable, CustomStringConvertible {
    public let payload: Int
    private let tracker: LifetimeTracker

    fileprivate init(payload: Int, tracker: LifetimeTracker) {
        self.payload = payload
        self.tracker = tracker
    }

    deinit { tracker.didRelease() }

    public var description: String { "Tracked(\(payload))" }
}
