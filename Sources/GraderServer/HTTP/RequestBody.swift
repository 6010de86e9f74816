import Foundation
import Hummingbird

/// Reads and decodes request bodies with the daemon's limits: any malformed body is a 4xx that
/// says what is wrong.
enum RequestBody {
    /// The largest body accepted: a submission's 256 KiB of source, JSON-escaped, with room to spare.
    static let maximumBytes = 1 << 20

    static func data(of request: Request, limit: Int = maximumBytes) async throws -> Data {
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Data(buffer: buffer)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, code: "body_too_large", message: "the request body exceeds \(limit) bytes")
        }
    }

    /// Decodes a JSON object body as `T`, refusing anything else with a 400 or 415, including a
    /// member not among `fields` (a misspelt field is an error, not silently ignored).
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, fields: Set<String>) async throws -> T {
        if let contentType = request.headers[.contentType],
           !contentType.lowercased().hasPrefix("application/json") {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type",
                           message: "the body must be JSON (Content-Type: application/json)")
        }
        let data = try await data(of: request)
        guard !data.isEmpty else { throw APIError.badRequest("the request has no body; a JSON object is expected") }
        do {
            let value = try JSONDecoder().decode(T.self, from: data)
            if let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
               let unknown = object.keys.sorted().first(where: { !fields.contains($0) }) {
                throw APIError.badRequest("the body has an unknown member \(SubmissionRoutes.quoted(unknown)); it takes \(fields.sorted().joined(separator: ", "))")
            }
            return value
        } catch let error as APIError {
            throw error
        } catch let error as DecodingError {
            throw APIError.badRequest("the body is not the JSON this route takes: \(describe(error))")
        } catch {
            throw APIError.badRequest("the body is not valid JSON")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the body" : keys.joined(separator: ".")
        }
        switch error {
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context)) is malformed"
        case .keyNotFound(let key, let context):
            return "\(context.codingPath.isEmpty ? "" : path(context) + ".")\(key.stringValue) is missing"
        case .typeMismatch(let type, let context): return "\(path(context)) should be \(describe(type))"
        case .valueNotFound(let type, let context): return "\(path(context)) should be \(describe(type)), not null"
        @unknown default: return "malformed"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        case is [String].Type: "an array of strings"
        case is [String: String].Type, is [String: Double].Type, is [String: Any].Type: "an object"
        default: type is any Collection.Type ? "an array" : "an object"
        }
    }
}
