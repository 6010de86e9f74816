import Foundation
import HTTPTypes
import Hummingbird

/// An error answered as `{"error": {"code", "message"}}` (SPEC §8), with its HTTP status.
public struct APIError: Error, HTTPResponseError, Equatable {
    public var status: HTTPResponse.Status
    /// A stable, machine-readable code (`unauthorized`, `rate_limited`, …), listed in the OpenAPI document.
    public var code: String
    public var message: String
    /// Seconds to wait before retrying (429, 503): sent as `Retry-After`.
    public var retryAfter: Int?
    /// The methods a path takes (405): sent as `Allow`.
    public var allow: String?

    public init(_ status: HTTPResponse.Status, code: String, message: String, retryAfter: Int? = nil, allow: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
        self.allow = allow
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if let allow { headers[.allow] = allow }
        let body = ["error": ["code": code, "message": message]]
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, code: "bad_request", message: message) }
    static func invalid(_ message: String) -> APIError { APIError(.unprocessableContent, code: "invalid_submission", message: message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, code: "not_found", message: message) }
    static let unauthorized = APIError(.unauthorized, code: "unauthorized",
                                       message: "a valid bearer token is required (Authorization: Bearer <token>)")
    static func forbidden(_ message: String) -> APIError { APIError(.forbidden, code: "forbidden", message: message) }
    static func `internal`(_ message: String) -> APIError { APIError(.internalServerError, code: "internal_error", message: message) }
}
