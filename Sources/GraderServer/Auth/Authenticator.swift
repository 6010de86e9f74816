import Foundation
import GraderStore
import HTTPTypes
import Hummingbird

/// Requires a valid bearer token on the API's routes and records the caller in the context.
struct Authenticator: RouterMiddleware {
    typealias Context = GraderRequestContext
    let authority: TokenAuthority

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.count <= 512,
              header.lowercased().hasPrefix("bearer ") else { throw APIError.unauthorized }
        let bearer = String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard let token = try authority.verify(bearer: bearer) else { throw APIError.unauthorized }
        var context = context
        context.caller = token
        context.logger[metadataKey: "token"] = .string(token.id)
        return try await next(request, context)
    }
}

extension GraderRequestContext {
    /// The authenticated caller (the ``Authenticator`` runs before every API route).
    func requireCaller() throws -> APIToken {
        guard let caller else { throw APIError.unauthorized }
        return caller
    }

    /// The caller, if their role is one of `roles`; 403 otherwise.
    func require(_ roles: Set<APIToken.Role>, to action: String) throws -> APIToken {
        let caller = try requireCaller()
        guard roles.contains(caller.role) else {
            throw APIError.forbidden("a \(caller.role.rawValue) token may not \(action)")
        }
        return caller
    }
}
