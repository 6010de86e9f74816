import Foundation
@testable import GraderClient
import Testing

/// The client reads the daemon's `Retry-After` defensively and backs off with full jitter.
@Suite struct RetryAfterTests {
    @Test func delaySecondsAndDatesAreReadAndBounded() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(GraderClient.retryAfter("30", now: now) == 30)
        #expect(GraderClient.retryAfter(" 7 ", now: now) == 7)
        #expect(GraderClient.retryAfter("100000", now: now) == 300)
        #expect(GraderClient.retryAfter("-5", now: now) == 0)
        for hostile in ["inf", "nan", "1e308", "", "soon", "30.5"] { #expect(GraderClient.retryAfter(hostile, now: now) == 0, "\(hostile)") }
        #expect(GraderClient.retryAfter(nil, now: now) == 0)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        #expect(GraderClient.retryAfter(formatter.string(from: now.addingTimeInterval(42)), now: now) == 42)
        #expect(GraderClient.retryAfter(formatter.string(from: now.addingTimeInterval(-42)), now: now) == 0)
    }

    @Test func theBackoffStaysUnderItsCappedExponential() {
        var client = GraderClient(server: URL(string: "http://127.0.0.1:1")!, token: "t")
        client.retry.baseDelay = 0.5
        client.retry.maximumDelay = 4
        for attempt in 1...10 {
            for _ in 0..<20 { #expect((0...min(4, 0.5 * pow(2, Double(attempt - 1)))).contains(client.backoff(attempt))) }
        }
    }

    @Test func errorsMapToExitCodesAndSayWhatToDo() {
        let body = Data(#"{"error":{"code":"invalid_submission","message":"A.swift is empty"}}"#.utf8)
        let rejected = ClientError.from(status: 422, data: body)
        #expect(rejected == .rejected(status: 422, code: "invalid_submission", message: "A.swift is empty"))
        #expect(rejected.exitCode == 2 && rejected.description == "rejected: A.swift is empty")
        #expect(ClientError.from(status: 401, data: Data()).description.contains("--token"))
        #expect(ClientError.from(status: 500, data: Data("oops".utf8)).exitCode == 3)
    }
}
