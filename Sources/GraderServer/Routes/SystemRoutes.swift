import Foundation
import GraderAPI
import GraderPipeline
import GraderStore
import Hummingbird

/// The open routes: `/healthz`, `/metrics`, `/api/v1/openapi.json` (no token needed; none of
/// them says anything about a submission).
struct SystemRoutes {
    let store: any DaemonStore
    let metrics: DaemonMetrics
    let openAPI: OpenAPIDocument

    func register(in table: RouteTable, router: some RouterMethods<GraderRequestContext>) {
        table.add(.get, "/healthz", to: router) { _, _ in
            do {
                _ = try store.jobCounts()
                return try JSONResponse.make(HealthBody(status: "ok", version: GraderVersion.release))
            } catch {
                throw APIError(.serviceUnavailable, code: "unhealthy", message: "the database cannot be read")
            }
        }
        table.add(.get, "/metrics", to: router) { _, _ in
            JSONResponse.text(metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        table.add(.get, "/api/v1/openapi.json", to: router) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: openAPI.data)))
        }
    }
}
