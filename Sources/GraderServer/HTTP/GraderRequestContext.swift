import Foundation
import GraderStore
import Hummingbird

/// The per-request context: Hummingbird's, plus who is calling (set by ``Authenticator``).
public struct GraderRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller's token; nil before authentication and on the open routes.
    public var caller: APIToken?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Bodies are read through ``RequestBody`` with the daemon's own limit, never decoded whole here.
    public var maxUploadSize: Int { RequestBody.maximumBytes }
}
