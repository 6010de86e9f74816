import HTTPTypes
import Hummingbird

/// A route as the OpenAPI document names it: method and templated path (`/api/v1/submissions/{id}`).
public struct RouteKey: Hashable, Sendable, CustomStringConvertible {
    public var method: String
    public var path: String
    public var description: String { "\(method) \(path)" }
}

/// Registers every route the daemon serves and remembers it, so the routes can be compared with
/// the OpenAPI document (the router itself does not list its routes). Every route goes through here.
final class RouteTable {
    typealias Handler = @Sendable (Request, GraderRequestContext) async throws -> Response
    private(set) var keys: [RouteKey] = []

    func add(_ method: HTTPRequest.Method, _ path: String, to router: some RouterMethods<GraderRequestContext>,
             handler: @escaping Handler) {
        keys.append(RouteKey(method: method.rawValue, path: path))
        router.on(Self.routerPath(path), method: method, use: handler)
    }

    /// Answers 405, with `Allow`, for the other standard methods on every registered path (these
    /// are not routes: they serve nothing). Call once, after every route is added.
    func addMethodNotAllowed(to router: some RouterMethods<GraderRequestContext>) {
        // RFC 9110's methods (CONNECT aside, which names no path) and QUERY (the IETF draft of a safe
        // method with a body).
        let standard: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .options, .trace, HTTPRequest.Method("QUERY")!]
        for path in Set(keys.map(\.path)) {
            let allowed = keys.filter { $0.path == path }.map(\.method)
            let allow = allowed.sorted().joined(separator: ", ")
            for method in standard where !allowed.contains(method.rawValue) {
                router.on(Self.routerPath(path), method: method) { _, _ -> Response in
                    throw APIError(.methodNotAllowed, code: "method_not_allowed", message: "\(path) takes \(allow)", allow: allow)
                }
            }
        }
    }

    /// `{id}` in the document is `:id` in Hummingbird's syntax.
    static func routerPath(_ path: String) -> RouterPath {
        RouterPath(path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : segment
        }.joined(separator: "/"))
    }
}
