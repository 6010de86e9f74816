import Foundation
import GraderPipeline

/// The OpenAPI 3.1 document of the API, served at `/api/v1/openapi.json`.
///
/// Written by hand (`openapi.json` beside this file) and kept true by the tests: every route the
/// daemon registers is in it and every path in it is served, and the API tests' responses validate
/// against its schemas. The grader reads it from the source tree, like the rest of its material.
public struct OpenAPIDocument: Sendable {
    public let data: Data

    public init(data: Data) throws {
        guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else { throw OpenAPIError.malformed }
        self.data = data
    }

    public static func location(in layout: ProjectLayout) -> URL {
        layout.root.appendingPathComponent("Sources/GraderServer/OpenAPI/openapi.json")
    }

    public static func load(from layout: ProjectLayout) throws -> OpenAPIDocument {
        try OpenAPIDocument(data: Data(contentsOf: location(in: layout)))
    }
}

public enum OpenAPIError: Error, CustomStringConvertible {
    case malformed
    public var description: String { "the OpenAPI document is not a JSON object" }
}
