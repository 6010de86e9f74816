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
        // `{id}` in the document is `:id` in Hummingbird's syntax.
        let hummingbirdPath = path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : segment
        }.joined(separator: "/")
        router.on(RouterPath(hummingbirdPath), method: method, use: handler)
    }
}
