import Crypto
import Foundation
import GraderAPI
import GraderModel
import GraderPipeline
import GraderStore
import HTTPTypes
import Hummingbird

/// `POST/GET /api/v1/submissions`, `GET /api/v1/submissions/{id}`.
struct SubmissionRoutes {
    let store: any DaemonStore
    let grader: any SubmissionGrader
    let configuration: DaemonConfiguration
    let signal: WorkSignal
    let reports: ReportCache

    static let idempotencyKeyHeader = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!

    func register(in table: RouteTable, router: some RouterMethods<GraderRequestContext>) {
        table.add(.post, "/api/v1/submissions", to: router) { try await submit($0, $1) }
        table.add(.get, "/api/v1/submissions", to: router) { try list($0, $1) }
        table.add(.get, "/api/v1/submissions/{id}", to: router) { try show($0, $1) }
    }

    func submit(_ request: Request, _ context: GraderRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let key = try Self.idempotencyKey(request)
        let body = try await RequestBody.decode(SubmitRequest.self, from: request, fields: ["challenge", "files"])
        guard body.files.count <= Intake.maximumFiles else {
            throw APIError.invalid("a submission has at most \(Intake.maximumFiles) files; this one has \(body.files.count)")
        }
        let files = body.files.sorted { $0.key < $1.key }.map { SubmittedFile(name: $0.key, content: Data($0.value.utf8)) }
        let now = Date()
        let submission: StoredSubmission
        do {
            let challenge = try grader.challenge(body.challenge)
            guard challenge.mapping != nil else {
                throw APIError(.unprocessableContent, code: "unknown_challenge", message: "challenge \(body.challenge) cannot be graded here")
            }
            submission = try grader.prepare(challenge: body.challenge, candidate: caller.name, files: files,
                                            ownerTokenID: caller.id, at: now)
        } catch let error as IntakeError {
            throw APIError.invalid("\(error)")
        } catch let error as CatalogError {
            if case .unknownChallenge = error {
                throw APIError(.unprocessableContent, code: "unknown_challenge", message: error.description)
            }
            throw error
        }
        let idempotency = key.map {
            EnqueueRequest.Idempotency(key: $0, requestSha256: Self.requestDigest(challenge: body.challenge, files: submission.sha256))
        }
        let outcome = try store.enqueue(EnqueueRequest(
            submission: submission, idempotency: idempotency,
            limits: .init(maximumQueuedJobs: configuration.maximumQueuedJobs, submissionsPerMinute: configuration.submissionsPerMinute,
                          unfinishedPerOwner: configuration.unfinishedPerToken),
            at: now))
        switch outcome {
        case .accepted(let status):
            signal.notify()
            return try JSONResponse.make(SubmissionViews.body(status), status: .accepted)
        case .replayed(let first):
            return try SubmissionViews.response(try store.status(submissionID: first.id) ?? first, for: caller, reports: reports,
                                                store: store, status: .accepted, headers: [Self.replayedHeader: "true"])
        case .keyReusedWithDifferentBody:
            throw APIError(.unprocessableContent, code: "idempotency_key_reused",
                           message: "this Idempotency-Key was used with a different request body; use a new key for a new submission")
        case .rateLimited(let seconds):
            throw APIError(.tooManyRequests, code: "rate_limited",
                           message: "at most \(configuration.submissionsPerMinute) submissions a minute; try again in \(seconds) s",
                           retryAfter: seconds)
        case .tooManyUnfinished:
            throw APIError(.tooManyRequests, code: "too_many_unfinished",
                           message: "\(configuration.unfinishedPerToken) of your submissions are still being graded; submit again when one is done",
                           retryAfter: 30)
        case .queueFull:
            throw APIError(.serviceUnavailable, code: "queue_full", message: "the grading queue is full; try again later",
                           retryAfter: configuration.queueFullRetryAfter)
        }
    }

    func show(_ request: Request, _ context: GraderRequestContext) throws -> Response {
        let caller = try context.requireCaller()
        let id = context.parameters.get("id") ?? ""
        guard Identifier.isWellFormed(id), id.hasPrefix("sub_"), let status = try store.status(submissionID: id),
              SubmissionViews.visible(status, to: caller) else {
            throw APIError.notFound("no submission \(Self.quoted(id))")
        }
        return try SubmissionViews.response(status, for: caller, reports: reports, store: store)
    }

    func list(_ request: Request, _ context: GraderRequestContext) throws -> Response {
        let caller = try context.requireCaller()
        let query = request.uri.queryParameters
        for element in query where !["challenge", "candidate", "status", "limit", "offset"].contains(String(element.key)) {
            throw APIError.badRequest("unknown query parameter \(Self.quoted(String(element.key)))")
        }
        func integer(_ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
            guard let text = query[name[...]] else { return value }
            guard let number = Int(text), range.contains(number) else {
                throw APIError.badRequest("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
        func text(_ name: String) throws -> String? {
            guard let value = query[name[...]].map(String.init) else { return nil }
            // Counted in code points, as the OpenAPI document's maxLength is.
            guard (1...100).contains(value.unicodeScalars.count) else { throw APIError.badRequest("\(name) must be 1 to 100 characters") }
            return value
        }
        let filter = SubmissionFilter(
            ownerTokenID: caller.role == .candidate ? caller.id : nil, challenge: try text("challenge"),
            candidate: try text("candidate"), status: try text("status"),
            limit: try integer("limit", default: 50, in: 1...200), offset: try integer("offset", default: 0, in: 0...1_000_000))
        let rows = try store.submissions(matching: filter)
        return try JSONResponse.make(SubmissionList(submissions: rows.map { SubmissionViews.body($0) },
                                                    limit: filter.limit, offset: filter.offset))
    }

    /// The `Idempotency-Key` header: 1 to 255 printable ASCII characters, or absent.
    static func idempotencyKey(_ request: Request) throws -> String? {
        let values = request.headers[values: idempotencyKeyHeader]
        guard let key = values.first else { return nil }
        guard values.count == 1, (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            throw APIError(.badRequest, code: "bad_idempotency_key",
                           message: "Idempotency-Key must be one header of 1 to 255 printable ASCII characters without spaces")
        }
        return key
    }

    /// What makes two submit requests "the same" for an idempotency key: the challenge and the files.
    static func requestDigest(challenge: String, files digest: String) -> String {
        SHA256.hash(data: Data("\(challenge)\n\(digest)".utf8)).hexString
    }

    /// An id from the request, shortened and quoted for a message.
    static func quoted(_ text: String) -> String {
        let cleaned = text.unicodeScalars.prefix(40).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7f ? String($0) : "?" }.joined()
        return "\"\(cleaned)\""
    }
}
