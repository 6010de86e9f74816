import AsyncHTTPClient
import Foundation
import GraderStore
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Delivers the outbox's events to the notification URL, at least once (SPEC §8).
///
/// An event is marked delivered only after a 2xx answer; any other answer, a timeout or a refused
/// connection schedules the next attempt after AWS's "full jitter" backoff: a uniformly random
/// delay from 0 to min(maximumDelay, baseDelay × 2^attempts).
/// <https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/>
/// Events outlive restarts in the database; receivers deduplicate by the event id (`Grader-Event-Id`).
struct Notifier: Service {
    let store: any DaemonStore
    let configuration: NotificationConfiguration
    let logger: Logger

    static let requestTimeout: TimeAmount = .seconds(10)

    /// One client for the process, never shut down (like `HTTPClient.shared`), that counts a
    /// refused connection as a failed delivery at once instead of retrying it until the deadline:
    /// the outbox's backoff decides when to try again.
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Delivers due events until the daemon shuts down. A graceful shutdown stops it from starting
    /// another delivery but lets the one in flight finish (within ``requestTimeout``): cut off
    /// after the receiver had the request, it would leave the event waiting, to be sent again by
    /// the next daemon, though it was received.
    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let due = (try? store.dueEvents(at: Date(), limit: 20)) ?? []
            for event in due {
                if Task.isShuttingDownGracefully || Task.isCancelled { break }
                await deliver(event)
            }
            if due.isEmpty {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: configuration.pollInterval) }
            }
        }
    }

    func deliver(_ event: OutboxEvent) async {
        let now = Date()
        var request = HTTPClientRequest(url: configuration.url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Grader-Event-Id", value: event.id)
        request.headers.add(name: "Grader-Event-Type", value: event.type)
        request.headers.add(name: WebhookSignature.header,
                            value: WebhookSignature.sign(body: event.payload, secret: configuration.secret,
                                                         timestamp: Int(now.timeIntervalSince1970)))
        request.body = .bytes(ByteBuffer(bytes: event.payload))
        let failure: String
        do {
            let response = try await Self.http.execute(request, timeout: Self.requestTimeout)
            _ = try? await response.body.collect(upTo: 64 * 1024)
            if (200..<300).contains(response.status.code) {
                try store.markDelivered(eventID: event.id, at: Date())
                logger.info("event delivered", metadata: ["event": "\(event.id)", "attempts": "\(event.attempts + 1)"])
                return
            }
            failure = "the receiver answered \(response.status.code)"
        } catch {
            failure = "\(error)"
        }
        let attempts = event.attempts + 1
        let next: Date
        if Date().timeIntervalSince(event.createdAt) > Double(configuration.giveUpAfter.components.seconds) {
            next = .distantFuture
            logger.error("event given up", metadata: ["event": "\(event.id)", "attempts": "\(attempts)", "error": "\(failure)"])
        } else {
            next = Date().addingTimeInterval(NotifierBackoff.delay(afterAttempt: attempts, base: configuration.baseDelay,
                                                                   maximum: configuration.maximumDelay))
            logger.warning("event delivery failed", metadata: ["event": "\(event.id)", "attempts": "\(attempts)", "error": "\(failure)"])
        }
        try? store.rescheduleEvent(eventID: event.id, attempts: attempts, nextAttemptAt: next, error: failure)
    }
}

/// The delay before an event's next delivery attempt.
public enum NotifierBackoff {
    /// Full jitter: uniform in [0, min(maximum, base × 2^(attempt−1))], in seconds.
    public static func delay(afterAttempt attempt: Int, base: Duration, maximum: Duration) -> TimeInterval {
        func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
        let ceiling = min(seconds(maximum), seconds(base) * pow(2, Double(max(0, min(attempt - 1, 30)))))
        return Double.random(in: 0...ceiling)
    }
}
