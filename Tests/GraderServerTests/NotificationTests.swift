import Foundation
import GraderAPI
import GraderServer
import GraderStore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// `grading.finished` events: signed, delivered at least once through failures and restarts.
@Suite struct NotificationTests {
    static let secret = Array("whsec-test-0123456789abcdef".utf8)

    /// A webhook receiver on loopback that answers 500 to its first `failures` requests, each
    /// answer `delay` after the request arrived (it records the request at once).
    final class Receiver: Sendable {
        struct Delivery: Sendable {
            var eventID: String
            var signature: String
            var body: Data
            var answered: Int
        }
        let failures: Int
        let delay: Duration
        let deliveries = Mutex<[Delivery]>([])

        init(failures: Int, delay: Duration = .zero) {
            self.failures = failures
            self.delay = delay
        }

        /// Runs the receiver until `body` returns; `body` gets the receiver's URL.
        func serving<T: Sendable>(_ body: @Sendable (URL) async throws -> T) async throws -> T {
            let router = Router()
            router.post("/hook") { request, _ -> Response in
                let data = Data(buffer: try await request.body.collect(upTo: 1 << 20))
                let status = self.deliveries.withLock { deliveries -> Int in
                    let answered = deliveries.count < self.failures ? 500 : 204
                    deliveries.append(Delivery(eventID: request.headers[HTTPField.Name("Grader-Event-Id")!] ?? "",
                                               signature: request.headers[HTTPField.Name(WebhookSignature.header)!] ?? "",
                                               body: data, answered: answered))
                    return answered
                }
                if self.delay > .zero { try await Task.sleep(for: self.delay) }
                return Response(status: .init(code: status))
            }
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let app = Application(router: router, server: .http1(configuration: .init(idleTimeout: .milliseconds(200))),
                                  configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                  onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: DaemonFixture.logger)
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await app.run(); return nil }
                var iterator = ports.makeAsyncIterator()
                let port = await iterator.next() ?? 0
                let result = try await body(URL(string: "http://127.0.0.1:\(port)/hook")!)
                group.cancelAll()
                return result
            }
        }

        var delivered: [Delivery] { deliveries.withLock { $0.filter { $0.answered == 204 } } }
    }

    static func configure(_ url: URL) -> (inout DaemonConfiguration) -> Void {
        { configuration in
            var notifications = NotificationConfiguration(url: url, secret: secret)
            notifications.baseDelay = .milliseconds(50)
            notifications.maximumDelay = .milliseconds(200)
            notifications.pollInterval = .milliseconds(50)
            configuration.notifications = notifications
        }
    }

    static func waitFor(_ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while try !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(25)) }
    }

    @Test func everyFinishedGradingIsAnnouncedSignedAfterFailedDeliveries() async throws {
        let receiver = Receiver(failures: 2)
        try await receiver.serving { url in
            let fixture = try DaemonFixture(configure: Self.configure(url))
            let ids = try await fixture.application(workers: true).test(.router) { client in
                var ids: [String] = []
                for token in [fixture.candidate, fixture.otherCandidate, fixture.reviewer] {
                    ids.append(try await client.call(.post, "/api/v1/submissions", token: token, json: Bodies.submission(),
                                                     fixture: fixture).decode(SubmissionBody.self).id)
                }
                try await Self.waitFor { receiver.delivered.count >= 3 }
                return ids
            }
            let delivered = receiver.delivered
            #expect(receiver.deliveries.withLock { $0.count } >= 5, "the first two deliveries failed and were retried")
            #expect(Set(delivered.map(\.eventID)).count == 3)
            var announced: Set<String> = []
            for delivery in delivered {
                #expect(WebhookSignature.verify(header: delivery.signature, body: delivery.body, secret: Self.secret))
                #expect(!WebhookSignature.verify(header: delivery.signature, body: delivery.body + Data(" ".utf8), secret: Self.secret))
                let event = try #require(try JSONSerialization.jsonObject(with: delivery.body) as? [String: Any])
                #expect(event["type"] as? String == "grading.finished" && event["id"] as? String == delivery.eventID)
                let data = try #require(event["data"] as? [String: Any])
                #expect(data["status"] as? String == "graded" && data["score"] as? Double == 55 && data["maxScore"] as? Double == 85)
                #expect(data["recommendation"] as? String == "reject" && data["challenge"] as? String == "lru-cache")
                announced.insert(data["submission"] as? String ?? "")
                #expect(data["reportPath"] as? String == "/api/v1/submissions/\(data["submission"] as? String ?? "")")
            }
            #expect(announced == Set(ids))
            #expect(try fixture.database.outboxEvents().allSatisfy { $0.deliveredAt != nil })
        }
    }

    /// The daemon stops while the receiver has the request and has not answered yet: the delivery
    /// is finished, not cancelled, so the event is marked delivered and not sent again (a
    /// delivery cut off by the shutdown was the flake in the test above: the receiver had all
    /// three events, the outbox had one still waiting).
    @Test func aDeliveryInFlightWhenTheDaemonStopsIsFinished() async throws {
        let receiver = Receiver(failures: 0, delay: .milliseconds(400))
        try await receiver.serving { url in
            let fixture = try DaemonFixture(configure: Self.configure(url))
            try await fixture.application(workers: true).test(.router) { client in
                _ = try await client.call(.post, "/api/v1/submissions", token: fixture.candidate, json: Bodies.submission(),
                                          fixture: fixture)
                try await Self.waitFor { receiver.deliveries.withLock { $0.count } >= 1 }
            }
            let events = try fixture.database.outboxEvents()
            #expect(events.count == 1 && events.allSatisfy { $0.deliveredAt != nil },
                    "the receiver answered 204 after the shutdown began; the event must be marked delivered")
            #expect(receiver.deliveries.withLock { $0.count } == 1)
        }
    }

    @Test func eventsWaitingWhenTheDaemonStopsAreDeliveredByTheNextOne() async throws {
        // First daemon: the receiver is not there (nothing listens on the port any more).
        let closed = try await Receiver(failures: 0).serving { $0 }
        let first = try DaemonFixture(configure: Self.configure(closed))
        try await first.application(workers: true).test(.router) { client in
            _ = try await client.call(.post, "/api/v1/submissions", token: first.candidate, json: Bodies.submission(), fixture: first)
            try await Self.waitFor { try first.database.outboxEvents().first.map { $0.attempts >= 1 } ?? false }
        }
        let waiting = try first.database.outboxEvents()
        #expect(waiting.count == 1 && waiting[0].deliveredAt == nil && waiting[0].attempts >= 1)

        let receiver = Receiver(failures: 0)
        try await receiver.serving { url in
            let second = try DaemonFixture(directory: first.directory, configure: Self.configure(url))
            try await second.application(workers: true).test(.router) { _ in
                try await Self.waitFor { receiver.delivered.count >= 1 }
            }
            #expect(receiver.delivered.map(\.eventID) == waiting.map(\.id))
            #expect(try second.database.outboxEvents().first?.deliveredAt != nil)
        }
    }

    @Test func theBackoffIsFullJitterUnderACappedExponential() {
        for attempt in 1...12 {
            let ceiling = min(3600, 2 * pow(2, Double(attempt - 1)))
            for _ in 0..<50 {
                let delay = NotifierBackoff.delay(afterAttempt: attempt, base: .seconds(2), maximum: .seconds(3600))
                #expect(delay >= 0 && delay <= ceiling)
            }
        }
    }
}
