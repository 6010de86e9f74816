import Foundation

/// Checks responses against the OpenAPI document: the route, method and status are documented,
/// and a JSON body validates against the response's schema.
///
/// The schema check covers the JSON Schema keywords the document's response schemas use (type,
/// enum, const, properties, required, additionalProperties, items, oneOf, $ref, minimum, maximum,
/// minLength, maxLength, pattern, minItems, maxItems; `format` and the annotations are not
/// checked); any other keyword fails the check, so the document cannot drift past what is validated.
// @unchecked: `document` is parsed once in `init` and never mutated afterwards; the JSON values it
// holds are immutable Foundation objects, read concurrently only.
struct OpenAPIValidator: @unchecked Sendable {
    let document: [String: Any]

    init(data: Data) throws {
        document = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    var paths: [String: Any] { document["paths"] as? [String: Any] ?? [:] }

    /// Every documented operation, as `METHOD /path/{template}`.
    var operations: Set<String> {
        Set(paths.flatMap { path, item in
            (item as? [String: Any] ?? [:]).keys.map { "\($0.uppercased()) \(path)" }
        })
    }

    /// The documented path template a concrete path matches.
    func template(for path: String) -> String? {
        let segments = path.split(separator: "?", maxSplits: 1).first.map { $0.split(separator: "/", omittingEmptySubsequences: false) } ?? []
        return paths.keys.sorted().first { template in
            let parts = template.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == segments.count && zip(parts, segments).allSatisfy { part, segment in
                (part.hasPrefix("{") && part.hasSuffix("}") && !segment.isEmpty) || part == segment
            }
        }
    }

    /// The problems with one response; empty when it matches the document.
    func problems(method: String, path: String, status: Int, contentType: String?, body: Data) -> [String] {
        guard let template = template(for: path) else {
            // A path the daemon does not serve must be answered 404 in the error shape.
            return status == 404 ? problemsWithError(body) : ["\(path) is not in the document"]
        }
        guard let operation = (paths[template] as? [String: Any])?[method.lowercased()] as? [String: Any] else {
            // An undocumented method on a documented path must be answered 404 or 405 in the error shape.
            return [404, 405].contains(status) ? problemsWithError(body) : ["\(method) \(template) is not in the document"]
        }
        guard let response = (operation["responses"] as? [String: Any])?[String(status)] as? [String: Any] else {
            return ["\(method) \(template) does not document status \(status)"]
        }
        guard let content = response["content"] as? [String: Any] else { return body.isEmpty ? [] : ["a body where none is documented"] }
        if let json = content["application/json"] as? [String: Any] {
            guard contentType?.hasPrefix("application/json") == true else { return ["Content-Type \(contentType ?? "none") is not JSON"] }
            guard let value = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else { return ["the body is not JSON"] }
            return validate(value, against: json["schema"] as? [String: Any] ?? [:], at: "$")
        }
        if content["text/plain"] != nil {
            return contentType?.hasPrefix("text/plain") == true ? [] : ["Content-Type \(contentType ?? "none") is not text/plain"]
        }
        return ["an undocumented content type"]
    }

    private func problemsWithError(_ body: Data) -> [String] {
        let schema = resolve(["$ref": "#/components/schemas/Error"])
        guard let value = try? JSONSerialization.jsonObject(with: body) else { return ["the error body is not JSON"] }
        return validate(value, against: schema, at: "$")
    }

    private func resolve(_ schema: [String: Any]) -> [String: Any] {
        guard let reference = schema["$ref"] as? String, reference.hasPrefix("#/") else { return schema }
        var node: Any = document
        for key in reference.dropFirst(2).split(separator: "/") {
            node = (node as? [String: Any])?[String(key)] as Any
        }
        return resolve(node as? [String: Any] ?? [:])
    }

    private static let known: Set<String> = ["type", "enum", "const", "properties", "required", "additionalProperties", "items",
                                             "oneOf", "$ref", "minimum", "maximum", "minLength", "maxLength", "minItems",
                                             "maxItems", "description", "format", "default", "pattern"]

    func validate(_ value: Any, against raw: [String: Any], at path: String) -> [String] {
        let schema = resolve(raw)
        var problems = schema.keys.filter { !Self.known.contains($0) }.map { "\(path): the validator does not know \($0)" }
        if let oneOf = schema["oneOf"] as? [[String: Any]] {
            let matching = oneOf.filter { validate(value, against: $0, at: path).isEmpty }.count
            if matching != 1 { problems.append("\(path): matches \(matching) of oneOf's \(oneOf.count) schemas") }
        }
        if let types = (schema["type"] as? String).map({ [$0] }) ?? schema["type"] as? [String],
           !types.contains(where: { Self.value(value, is: $0) }) {
            return problems + ["\(path): \(Self.describe(value)) is not \(types.joined(separator: " or "))"]
        }
        if let constant = schema["const"], !Self.equal(constant, value) { problems.append("\(path): is not \(constant)") }
        if let options = schema["enum"] as? [Any], !options.contains(where: { Self.equal($0, value) }) {
            problems.append("\(path): \(value) is not one of \(options)")
        }
        if let number = value as? NSNumber, !(value is Bool) {
            if let minimum = schema["minimum"] as? Double, number.doubleValue < minimum { problems.append("\(path): below \(minimum)") }
            if let maximum = schema["maximum"] as? Double, number.doubleValue > maximum { problems.append("\(path): above \(maximum)") }
        }
        if let text = value as? String {
            // JSON Schema counts code points.
            let length = text.unicodeScalars.count
            if let minimum = schema["minLength"] as? Int, length < minimum { problems.append("\(path): shorter than \(minimum)") }
            if let maximum = schema["maxLength"] as? Int, length > maximum { problems.append("\(path): longer than \(maximum)") }
            if let pattern = schema["pattern"] as? String {
                let matches = (try? NSRegularExpression(pattern: pattern))?
                    .firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
                if !matches { problems.append("\(path): does not match \(pattern)") }
            }
        }
        if let array = value as? [Any] {
            if let minimum = schema["minItems"] as? Int, array.count < minimum { problems.append("\(path): fewer than \(minimum) items") }
            if let maximum = schema["maxItems"] as? Int, array.count > maximum { problems.append("\(path): more than \(maximum) items") }
            if let items = schema["items"] as? [String: Any] {
                for (index, item) in array.enumerated() { problems += validate(item, against: items, at: "\(path)[\(index)]") }
            }
        }
        if let object = value as? [String: Any] {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                problems.append("\(path): \(key) is missing")
            }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (key, member) in object {
                if let property = properties[key] as? [String: Any] {
                    problems += validate(member, against: property, at: "\(path).\(key)")
                } else if let additional = schema["additionalProperties"] as? Bool, !additional {
                    problems.append("\(path): \(key) is not allowed")
                } else if let additional = schema["additionalProperties"] as? [String: Any] {
                    problems += validate(member, against: additional, at: "\(path).\(key)")
                }
            }
        }
        return problems
    }

    private static func value(_ value: Any, is type: String) -> Bool {
        switch type {
        case "null": return value is NSNull
        case "boolean": return value is Bool
        case "string": return value is String
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "integer":
            guard let number = value as? NSNumber else { return false }
            return number.doubleValue == number.doubleValue.rounded()
        case "number": return value is NSNumber
        default: return false
        }
    }

    private static func equal(_ a: Any, _ b: Any) -> Bool {
        (a as? NSObject).map { $0.isEqual(b) } ?? false
    }

    private static func describe(_ value: Any) -> String {
        value is NSNull ? "null" : "\(type(of: value))"
    }
}
