import Foundation
import GraderAPI
@testable import GraderClient
import HTTPTypes
import Hummingbird
import Logging
import Synchronization
import Testing

/// A submit that meets a busy server is retried with the same idempotency key.
@Suite struct ClientRetryTests {
    /// A stand-in daemon on loopback: answers 503 (then 429) before accepting, recording each
    /// request's idempotency key.
    final class BusyServer: Sendable {
        let keys = Mutex<[String]>([])

        func serving<T: Sendable>(_ body: @Sendable (URL) async throws -> T) async throws -> T {
            let router = Router()
            router.post("/api/v1/submissions") { request, _ -> Response in
                let count = self.keys.withLock { keys in
                    keys.append(request.headers[HTTPField.Name("Idempotency-Key")!] ?? "")
                    return keys.count
                }
                let error = #"{"error":{"code":"queue_full","message":"busy"}}"#
                switch count {
                case 1: return Response(status: .serviceUnavailable, headers: [.retryAfter: "0"], body: .init(byteBuffer: ByteBuffer(string: error)))
                case 2: return Response(status: .tooManyRequests, headers: [.retryAfter: "0"], body: .init(byteBuffer: ByteBuffer(string: error)))
                default:
                    let body = SubmissionBody(id: "sub_aaaaaaaaaaaaaaaaaaaa", challenge: "lru-cache", candidate: "ada", submittedAt: Date(timeIntervalSince1970: 0),
                                              status: "queued", job: "job_aaaaaaaaaaaaaaaaaaaa", attempts: 0, phases: .init(),
                                              progress: .init(checksDone: 0, checksTotal: 0), grading: nil, score: nil, maxScore: nil, report: nil)
                    return Response(status: .accepted, body: .init(byteBuffer: ByteBuffer(bytes: try APICoding.encoder.encode(body))))
                }
            }
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            var logger = Logger(label: "busy")
            logger.logLevel = .critical
            let app = Application(router: router, server: .http1(configuration: .init(idleTimeout: .milliseconds(200))),
                                  configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                  onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await app.run(); return nil }
                var iterator = ports.makeAsyncIterator()
                let port = await iterator.next() ?? 0
                let result = try await body(URL(string: "http://127.0.0.1:\(port)")!)
                group.cancelAll()
                return result
            }
        }
    }

    @Test func aBusyServerIsRetriedWithTheSameKeyUntilItAccepts() async throws {
        let server = BusyServer()
        let retries = Mutex<[String]>([])
        let body = try await server.serving { url in
            var client = GraderClient(server: url, token: "tok_x.y")
            client.retry.baseDelay = 0.01
            return try await client.submit(challenge: "lru-cache", files: ["A.swift": "let a = 1"], idempotencyKey: "key-1") { message in
                retries.withLock { $0.append(message) }
            }
        }
        #expect(body.id == "sub_aaaaaaaaaaaaaaaaaaaa")
        #expect(server.keys.withLock { $0 } == ["key-1", "key-1", "key-1"])
        #expect(retries.withLock { $0.count } == 2)
    }

    @Test func anUnreachableServerIsReportedAfterTheLastAttempt() async throws {
        var client = GraderClient(server: URL(string: "http://127.0.0.1:1")!, token: "tok_x.y")
        client.retry.baseDelay = 0.01
        client.retry.attempts = 3
        do {
            _ = try await client.submission("sub_aaaaaaaaaaaaaaaaaaaa")
            Issue.record("a closed port answered")
        } catch let error as ClientError {
            #expect(error.exitCode == 3 && error.description.hasPrefix("cannot reach the grading server"))
        }
    }
}
