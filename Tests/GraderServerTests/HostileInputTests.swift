import Foundation
import GraderAPI
import GraderServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Malformed and hostile requests: each a 4xx in the error shape, nothing stored, the daemon
/// still serving afterwards.
@Suite struct HostileInputTests {
    static let swift = Bodies.solution

    /// (what, body bytes, content type, expected status, expected code)
    static let cases: [(String, Data, String, Int, String)] = {
        func json(_ value: Any) -> Data { try! JSONSerialization.data(withJSONObject: value) }
        let tooMany = Dictionary(uniqueKeysWithValues: (0..<9).map { ("F\($0).swift", swift) })
        return [
            ("malformed JSON", Data("{\"challenge\": \"lru-cache\", \"files\": {".utf8), "application/json", 400, "bad_request"),
            ("a JSON array", Data("[1, 2]".utf8), "application/json", 400, "bad_request"),
            ("no body", Data(), "application/json", 400, "bad_request"),
            ("files as a string", json(["challenge": "lru-cache", "files": "x"]), "application/json", 400, "bad_request"),
            ("a missing challenge", json(["files": ["A.swift": swift]]), "application/json", 400, "bad_request"),
            ("an unknown member", json(["challenge": "lru-cache", "files": ["A.swift": swift], "candidate": "someone else"]),
             "application/json", 400, "bad_request"),
            ("not JSON", Data("challenge=lru-cache".utf8), "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
            ("an unknown challenge", json(Bodies.submission(challenge: "tic-tac-toe")), "application/json", 422, "unknown_challenge"),
            ("a traversal challenge", json(Bodies.submission(challenge: "../Graders/lru-cache")), "application/json", 422, "unknown_challenge"),
            ("path traversal in a file name", json(Bodies.submission(files: ["../../etc/passwd.swift": swift])), "application/json", 422, "invalid_submission"),
            ("an absolute file name", json(Bodies.submission(files: ["/tmp/A.swift": swift])), "application/json", 422, "invalid_submission"),
            ("a non-Swift file", json(Bodies.submission(files: ["notes.txt": "hello"])), "application/json", 422, "invalid_submission"),
            ("main.swift", json(Bodies.submission(files: ["main.swift": swift])), "application/json", 422, "invalid_submission"),
            ("no files", json(Bodies.submission(files: [:])), "application/json", 422, "invalid_submission"),
            ("an empty file", json(Bodies.submission(files: ["A.swift": ""])), "application/json", 422, "invalid_submission"),
            ("a NUL byte", json(Bodies.submission(files: ["A.swift": "let a = 1\u{0}"])), "application/json", 422, "invalid_submission"),
            ("invalid UTF-8", Data("{\"challenge\":\"lru-cache\",\"files\":{\"A.swift\":\"".utf8) + Data([0xff, 0xfe, 0x80]) + Data("\"}}".utf8),
             "application/json", 400, "bad_request"),
            ("too many files", json(Bodies.submission(files: tooMany)), "application/json", 422, "invalid_submission"),
            ("sources over 256 KiB", json(Bodies.submission(files: ["A.swift": String(repeating: "// x\n", count: 60_000)])),
             "application/json", 422, "invalid_submission"),
            ("a body over 1 MiB", json(Bodies.submission(files: ["A.swift": String(repeating: "a", count: 1_100_000)])),
             "application/json", 413, "body_too_large"),
        ]
    }()

    @Test(arguments: 0..<cases.count)
    func aHostileSubmissionIsRefusedAndStoresNothing(index: Int) async throws {
        let (what, body, contentType, status, code) = Self.cases[index]
        let fixture = try DaemonFixture()
        try await fixture.application(workers: false).test(.router) { client in
            let response = try await client.call(.post, "/api/v1/submissions", token: fixture.candidate, body: body,
                                                 headers: [.contentType: contentType], fixture: fixture)
            #expect(response.status.code == status && response.errorCode == code, "\(what): \(response.status.code) \(response.text)")
            #expect(!(response.json["error"] as? [String: Any] ?? [:]).isEmpty)
            let message = (response.json["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(!message.isEmpty, "\(what): no message")
            // Still serving.
            #expect(try await client.call(.post, "/api/v1/submissions", token: fixture.candidate, json: Bodies.submission(),
                                          fixture: fixture).status == .accepted, "\(what)")
        }
        #expect(try fixture.storedCounts() == (1, 1), "\(what) stored something")
    }

    @Test func badIdempotencyKeysAreRefused() async throws {
        let fixture = try DaemonFixture()
        try await fixture.application(workers: false).test(.router) { client in
            for key in ["", "has space", String(repeating: "k", count: 256), "tab\tkey"] {
                let response = try await client.call(.post, "/api/v1/submissions", token: fixture.candidate, json: Bodies.submission(),
                                                     headers: [HTTPField.Name("Idempotency-Key")!: key], fixture: fixture)
                #expect(response.status == .badRequest && response.errorCode == "bad_idempotency_key", "\(key.debugDescription)")
            }
        }
        #expect(try fixture.storedCounts() == (0, 0))
    }

    @Test func aHugeNumberOfTinyRequestsIsAnsweredAndTheDaemonKeepsServing() async throws {
        let fixture = try DaemonFixture()
        try await fixture.application(workers: false).test(.router) { client in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<2000 {
                    group.addTask {
                        let path = ["/api/v1/submissions/x", "/healthz", "/nothing", "/api/v1/challenges"][index % 4]
                        return try await client.call(.get, path, token: index % 3 == 0 ? nil : fixture.candidate, fixture: fixture)
                            .status.code
                    }
                }
                for try await status in group { #expect([200, 401, 404].contains(status)) }
            }
            #expect(try await client.call(.get, "/healthz", fixture: fixture).status == .ok)
        }
        #expect(try fixture.storedCounts() == (0, 0))
    }
}
