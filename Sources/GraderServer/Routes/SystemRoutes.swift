import Foundation
import GraderAPI
import GraderPipeline
import GraderStore
import Hummingbird

/// `/healthz` and `/api/v1/openapi.json`, open (neither says anything about a submission), and
/// `/metrics`, for reviewers and admins: its counters move with each grading, so a candidate
/// watching them would learn how their hidden checks ended.
struct SystemRoutes {
    let store: any DaemonStore
    let metrics: DaemonMetrics
    let openAPI: OpenAPIDocument

    func registerMetrics(in table: RouteTable, router: some RouterMethods<GraderRequestContext>) {
        table.add(.get, "/metrics", to: router) { _, context in
            _ = try context.require([.reviewer, .admin], to: "read the metrics")
            return JSONResponse.text(metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }

    func register(in table: RouteTable, router: some RouterMethods<GraderRequestContext>) {
        table.add(.get, "/healthz", to: router) { _, _ in
            do {
                _ = try store.jobCounts()
                return try JSONResponse.make(HealthBody(status: "ok", version: GraderVersion.release))
            } catch {
                throw APIError(.serviceUnavailable, code: "unhealthy", message: "the database cannot be read")
            }
        }
        table.add(.get, "/api/v1/openapi.json", to: router) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: openAPI.data)))
        }
    }
}
