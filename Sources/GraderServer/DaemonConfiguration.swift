import Foundation

/// How `grader serve` runs: where it listens, how many workers, its limits.
public struct DaemonConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port (tests); the daemon logs the one it got.
    public var port = 8080
    public var workers = 1
    /// How long a claimed job stays a worker's without a renewal; renewed every third of it.
    public var leaseSeconds = 60.0
    /// How often an idle worker looks for work it was not told about (another process enqueued it).
    public var pollInterval: Duration = .seconds(1)
    /// Jobs waiting beyond which submissions get 503.
    public var maximumQueuedJobs = 500
    /// Submissions per token per minute beyond which submissions get 429.
    public var submissionsPerMinute = 10
    /// Seconds a client is told to wait when the queue is full.
    public var queueFullRetryAfter = 30
    public var notifications: NotificationConfiguration?
    /// Open connections beyond which new ones wait in the listen backlog: file descriptors are
    /// the workers' too, and a flood of idle sockets must not starve a grading of them.
    public var maximumConnections = 256
    /// A connection idle this long is closed.
    public var idleTimeout: Duration = .seconds(30)
    /// Unfinished jobs (queued or grading) one token may have; more get 429. Keeps one candidate
    /// from filling the queue ahead of everyone else.
    public var unfinishedPerToken = 2

    public init() {}
}

/// Where `grading.finished` events go, and the secret that signs them.
public struct NotificationConfiguration: Sendable {
    public var url: URL
    public var secret: [UInt8]
    /// The first retry's ceiling; each later one doubles it, up to ``maximumDelay``.
    public var baseDelay: Duration = .seconds(2)
    public var maximumDelay: Duration = .seconds(3600)
    /// Events not delivered for this long are given up (and kept, with the last error).
    public var giveUpAfter: Duration = .seconds(3 * 24 * 3600)
    public var pollInterval: Duration = .seconds(1)

    public init(url: URL, secret: [UInt8]) {
        self.url = url
        self.secret = secret
    }
}
