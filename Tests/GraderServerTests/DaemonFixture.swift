import Foundation
import GraderAPI
import GraderServer
import GraderStore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// A daemon on a fresh database with one token per role (two candidates), for in-process tests.
final class DaemonFixture: Sendable {
    let directory: URL
    let database: GraderDatabase
    let daemon: GraderDaemon
    let grader: StubGrader
    let candidate: String
    let otherCandidate: String
    let reviewer: String
    let admin: String
    let validator: OpenAPIValidator

    init(grader: StubGrader = StubGrader(), directory: URL? = nil, configure: (inout DaemonConfiguration) -> Void = { _ in }) throws {
        self.directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("daemon-\(UUID().uuidString)")
        database = try GraderDatabase(dataDirectory: self.directory)
        self.grader = grader
        var configuration = DaemonConfiguration()
        configuration.pollInterval = .milliseconds(50)
        configure(&configuration)
        let document = try OpenAPIDocument.load(from: .init(root: TestRoot.url))
        daemon = GraderDaemon(store: database, grader: grader, configuration: configuration, openAPI: document)
        validator = try OpenAPIValidator(data: document.data)
        let authority = TokenAuthority(store: database)
        candidate = try authority.create(name: "ada", role: .candidate).bearer
        otherCandidate = try authority.create(name: "bob", role: .candidate).bearer
        reviewer = try authority.create(name: "rita", role: .reviewer).bearer
        admin = try authority.create(name: "root", role: .admin).bearer
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    static let logger: Logger = {
        var logger = Logger(label: "grader.test")
        logger.logLevel = .critical
        return logger
    }()

    /// The application, with its workers running or not (then jobs stay queued).
    func application(workers: Bool) -> some ApplicationProtocol {
        Application(router: daemon.makeRouter().router, services: workers ? daemon.makeServices(logger: Self.logger) : [],
                    logger: Self.logger)
    }

    func storedCounts() throws -> (submissions: Int, jobs: Int) {
        (try database.submissionCount(), try database.jobCounts().values.reduce(0, +))
    }
}

/// A response, checked against the OpenAPI document when it was received.
struct APIResponse: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: Data

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var text: String { String(decoding: body, as: UTF8.self) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try APICoding.decoder.decode(T.self, from: body) }
}

extension TestClientProtocol {
    /// Sends a request and checks the response against the document (an undocumented route,
    /// status or body shape is a test failure).
    func call(_ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: Any? = nil, body: Data? = nil,
              headers: HTTPFields = [:], fixture: DaemonFixture,
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> APIResponse {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        var payload = body
        if let json {
            payload = try JSONSerialization.data(withJSONObject: json)
            if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        }
        let response = try await execute(uri: path, method: method, headers: headers, body: payload.map { ByteBuffer(bytes: $0) }) {
            APIResponse(status: $0.status, headers: $0.headers, body: Data(buffer: $0.body))
        }
        let problems = fixture.validator.problems(method: method.rawValue, path: path, status: response.status.code,
                                                  contentType: response.headers[.contentType], body: response.body)
        for problem in problems {
            Issue.record("\(method.rawValue) \(path) → \(response.status.code): \(problem)", sourceLocation: sourceLocation)
        }
        if response.status.code >= 400 {
            #expect(response.errorCode != nil, "an error without the error shape: \(response.text)", sourceLocation: sourceLocation)
        }
        #expect(response.headers[HTTPField.Name("X-Request-Id")!] != nil, sourceLocation: sourceLocation)
        return response
    }

    /// Polls a submission until its grading is over.
    func waitUntilFinished(_ id: String, token: String, fixture: DaemonFixture) async throws -> APIResponse {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let response = try await call(.get, "/api/v1/submissions/\(id)", token: token, fixture: fixture)
            let status = response.json["status"] as? String ?? ""
            if !["queued", "compiling", "running"].contains(status) || ContinuousClock.now > deadline { return response }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

enum Bodies {
    static let solution = "final class LRUCache { init(capacity: Int) {} }\n"

    static func submission(challenge: String = "lru-cache", files: [String: String] = ["LRUCache.swift": solution]) -> [String: Any] {
        ["challenge": challenge, "files": files]
    }
}
