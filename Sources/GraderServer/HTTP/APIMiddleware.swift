import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Wraps every request: answers every error in the API's error shape, tags the response with the
/// request id, logs one line per request and counts it in the metrics.
struct APIMiddleware: RouterMiddleware {
    typealias Context = GraderRequestContext
    let metrics: DaemonMetrics

    static let requestIDHeader = HTTPField.Name("X-Request-Id")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = try error.response(from: request, context: context)
        } catch let error as HTTPError {
            response = try Self.apiError(for: error).response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            response = try APIError.internal("the daemon failed on this request (request id \(context.id))")
                .response(from: request, context: context)
        }
        response.headers[Self.requestIDHeader] = context.id
        // Hummingbird names the not-found responder's path "NotFound".
        let route = context.endpointPath.flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "unmatched"
        let elapsed = ContinuousClock.now - started
        metrics.recordRequest(method: request.method.rawValue, route: route, status: response.status.code, duration: elapsed)
        context.logger.info("request", metadata: [
            "method": "\(request.method.rawValue)", "route": "\(route)", "status": "\(response.status.code)",
            "ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
        ])
        return response
    }

    /// Hummingbird's own errors (no route, a body over the limit) in the API's shape.
    static func apiError(for error: HTTPError) -> APIError {
        switch error.status {
        case .notFound: APIError.notFound("there is no such route")
        case .contentTooLarge: APIError(.contentTooLarge, code: "body_too_large", message: "the request body is too large")
        case .badRequest: APIError.badRequest(error.body ?? "the request is malformed")
        case .methodNotAllowed: APIError(.methodNotAllowed, code: "method_not_allowed", message: "this route does not take that method")
        default:
            error.status.code >= 500
                ? APIError.internal("the daemon failed on this request")
                : APIError(error.status, code: "bad_request", message: error.body ?? error.status.reasonPhrase)
        }
    }
}
