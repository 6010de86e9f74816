import AsyncHTTPClient
import Foundation
import GraderAPI
import NIOCore
import NIOHTTP1
import NIOPosix

/// A client of the daemon's API, for `grader submit`, `status`, `report` and `list`.
///
/// Every call is retried, with exponential backoff and full jitter, on 429 and 503 (waiting at
/// least the `Retry-After` the daemon gave) and on a connection that could not be made or was
/// dropped; a submit keeps its `Idempotency-Key` across retries, so a retried submit never stores
/// two submissions.
public struct GraderClient: Sendable {
    public let server: URL
    public let token: String
    public var retry = RetryPolicy()

    public struct RetryPolicy: Sendable {
        public var attempts = 6
        public var baseDelay = 0.5
        public var maximumDelay = 30.0
        public init() {}
    }

    public init(server: URL, token: String) {
        self.server = server
        self.token = token
    }

    public func submit(challenge: String, files: [String: String], idempotencyKey: String = UUID().uuidString,
                       onRetry: @Sendable (String) -> Void = { _ in }) async throws -> SubmissionBody {
        let body = try APICoding.encoder.encode(SubmitRequest(challenge: challenge, files: files))
        return try await send(.POST, "/api/v1/submissions", body: body, headers: [("Idempotency-Key", idempotencyKey)],
                              as: SubmissionBody.self, onRetry: onRetry)
    }

    public func submission(_ id: String) async throws -> SubmissionBody {
        try await send(.GET, "/api/v1/submissions/\(Self.pathSegment(id))", as: SubmissionBody.self)
    }

    public func submissions(challenge: String? = nil, candidate: String? = nil, status: String? = nil, limit: Int = 50) async throws -> SubmissionList {
        var components = URLComponents()
        components.queryItems = [("challenge", challenge), ("candidate", candidate), ("status", status), ("limit", String(limit))]
            .compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
        return try await send(.GET, "/api/v1/submissions?\(components.percentEncodedQuery ?? "")", as: SubmissionList.self)
    }

    func send<T: Decodable>(_ method: HTTPMethod, _ path: String, body: Data? = nil, headers: [(String, String)] = [],
                            as type: T.Type, onRetry: @Sendable (String) -> Void = { _ in }) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            var wait = 0.0
            var reason = ""
            do {
                let (status, responseHeaders, data) = try await once(method, path, body: body, headers: headers)
                switch status {
                case 200..<300:
                    do {
                        return try APICoding.decoder.decode(T.self, from: data)
                    } catch {
                        throw ClientError.malformedResponse("the server's answer could not be read: \(error)")
                    }
                case 429, 503:
                    let retryAfter = Self.retryAfter(responseHeaders.first(name: "Retry-After"))
                    wait = max(retryAfter, backoff(attempt))
                    reason = "the server answered \(status) (\(Self.message(data) ?? "busy"))"
                    if attempt >= retry.attempts { throw ClientError.busy(status: status, message: Self.message(data) ?? "") }
                default:
                    throw ClientError.from(status: status, data: data)
                }
            } catch let error as HTTPClientError where Self.isConnectionFailure(error) {
                if attempt >= retry.attempts { throw ClientError.unreachable(server.absoluteString, "\(error)") }
                wait = backoff(attempt)
                reason = "the connection failed (\(error))"
            } catch let error as ClientError {
                throw error
            } catch where Self.isSocketError(error) {
                if attempt >= retry.attempts { throw ClientError.unreachable(server.absoluteString, "\(error)") }
                wait = backoff(attempt)
                reason = "the connection failed (\(error))"
            }
            onRetry("\(reason); retrying in \(String(format: "%.1f", wait)) s (attempt \(attempt + 1) of \(retry.attempts))")
            try await Task.sleep(for: .milliseconds(Int(wait * 1000)))
        }
    }

    private func once(_ method: HTTPMethod, _ path: String, body: Data?, headers: [(String, String)]) async throws
        -> (Int, HTTPHeaders, Data) {
        let base = server.absoluteString.hasSuffix("/") ? String(server.absoluteString.dropLast()) : server.absoluteString
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await Self.http.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), response.headers, Data(buffer.readableBytesView))
    }

    /// `Retry-After` in seconds, as delay-seconds or an HTTP date (RFC 9110 §10.2.3), bounded to
    /// 0…300 so a hostile or broken answer cannot stall or crash the client; 0 when absent or unreadable.
    static func retryAfter(_ value: String?, now: Date = Date()) -> Double {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return 0 }
        if let seconds = Int(value) { return Double(min(max(seconds, 0), 300)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return 0 }
        return min(max(date.timeIntervalSince(now), 0), 300)
    }

    /// One client for the process, never shut down (like `HTTPClient.shared`), that gives up on a
    /// refused or unreachable connection after one try within 5 s instead of retrying it until
    /// the request's deadline: the retries, with their backoff and messages, are this type's.
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Full jitter: uniform in [0, min(maximum, base × 2^(attempt−1))].
    func backoff(_ attempt: Int) -> Double {
        Double.random(in: 0...min(retry.maximumDelay, retry.baseDelay * pow(2, Double(min(attempt - 1, 20)))))
    }

    static func isConnectionFailure(_ error: HTTPClientError) -> Bool {
        [HTTPClientError.connectTimeout, .remoteConnectionClosed, .readTimeout, .deadlineExceeded].contains(error)
    }

    /// Refused or reset connections arrive as NIO's socket errors.
    static func isSocketError(_ error: any Error) -> Bool {
        error is IOError || error is NIOConnectionError || error is ChannelError
    }

    static func message(_ data: Data) -> String? {
        (try? APICoding.decoder.decode(ErrorBody.self, from: data))?.error.message
    }

    static func pathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "_-"))) ?? ""
    }
}

/// Why a call failed, worded for the person at the terminal.
public enum ClientError: Error, CustomStringConvertible, Equatable {
    case unreachable(String, String)
    case unauthorized(String)
    case forbidden(String)
    case notFound(String)
    /// The request was refused as it stands (4xx): it will not succeed by retrying.
    case rejected(status: Int, code: String, message: String)
    case busy(status: Int, message: String)
    case server(status: Int, message: String)
    case malformedResponse(String)

    static func from(status: Int, data: Data) -> ClientError {
        let body = try? APICoding.decoder.decode(ErrorBody.self, from: data)
        let message = body?.error.message ?? String(decoding: data.prefix(300), as: UTF8.self)
        switch status {
        case 401: return .unauthorized(message)
        case 403: return .forbidden(message)
        case 404: return .notFound(message)
        case 400..<500: return .rejected(status: status, code: body?.error.code ?? "", message: message)
        default: return .server(status: status, message: message)
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let server, let reason): "cannot reach the grading server at \(server): \(reason)"
        case .unauthorized: "the server refused the token (check --token or GRADER_TOKEN; it may have been revoked)"
        case .forbidden(let message): "not allowed: \(message)"
        case .notFound(let message): message
        case .rejected(_, _, let message): "rejected: \(message)"
        case .busy(let status, let message): "the server is still busy after retrying (\(status)): \(message)"
        case .server(let status, let message): "the server failed (\(status)): \(message)"
        case .malformedResponse(let message): message
        }
    }

    /// 2 for what the caller can fix (input, token), 3 for the server's failures.
    public var exitCode: Int32 {
        switch self {
        case .unauthorized, .forbidden, .notFound, .rejected: 2
        case .unreachable, .busy, .server, .malformedResponse: 3
        }
    }
}
