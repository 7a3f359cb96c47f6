import Foundation

/// Checks JSON values against the schemas of an OpenAPI 3 document (as parsed from YAML into
/// Foundation values): `$ref`, `type`, `required`, `properties`, `additionalProperties`, `enum`,
/// `items`, `allOf`, `minItems`, `minimum`/`maximum` and the `date-time` format. Enough to hold the
/// API to its document; not a full JSON Schema implementation.
public struct SchemaChecker {
    private let document: [String: Any]

    /// A checker over a parsed OpenAPI document.
    public init(document: Any) {
        self.document = document as? [String: Any] ?? [:]
    }

    /// The schema of the `status` response of `method path` with `contentType`, if the document has one.
    public func responseSchema(
        path: String,
        method: String,
        status: Int,
        contentType: String = "application/json"
    )
        -> Any?
    {
        guard let paths = document["paths"] as? [String: Any],
            let item = paths[path] as? [String: Any],
            let operation = item[method.lowercased()] as? [String: Any],
            let responses = operation["responses"] as? [String: Any],
            var response = responses[String(status)] as? [String: Any]
        else { return nil }
        if let ref = response["$ref"] as? String, let resolved = resolve(ref) as? [String: Any] { response = resolved }
        let content = response["content"] as? [String: Any]
        return (content?[contentType] as? [String: Any])?["schema"]
    }

    /// Every `path: method` pair the document describes.
    public var operations: [(path: String, method: String)] {
        guard let paths = document["paths"] as? [String: Any] else { return [] }
        return paths.flatMap { path, item in
            ((item as? [String: Any]) ?? [:]).keys.filter { ["get", "post", "delete", "put"].contains($0) }
                .map { (path, $0) }
        }
    }

    /// The problems of `value` against `schema`, each with its JSON path; empty when it conforms.
    public func problems(_ value: Any, against schema: Any, at path: String = "$") -> [String] {
        guard var schema = schema as? [String: Any] else { return ["\(path): the schema is not an object"] }
        if let ref = schema["$ref"] as? String {
            guard let resolved = resolve(ref) as? [String: Any] else { return ["\(path): unresolvable \(ref)"] }
            schema = resolved
        }
        var found: [String] = []
        if let all = schema["allOf"] as? [Any] {
            for part in all { found += problems(value, against: part, at: path) }
        }
        if let allowed = schema["enum"] as? [Any] {
            let text = "\(value)"
            if !allowed.contains(where: { "\($0)" == text }) {
                found.append("\(path): '\(text)' is not one of \(allowed)")
            }
        }
        switch schema["type"] as? String {
        case "object":
            guard let object = value as? [String: Any] else { return found + ["\(path): expected an object"] }
            for name in schema["required"] as? [String] ?? [] where object[name] == nil {
                found.append("\(path): missing required property '\(name)'")
            }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (name, member) in object {
                if let property = properties[name] {
                    found += problems(member, against: property, at: "\(path).\(name)")
                } else if let additional = schema["additionalProperties"] {
                    if let allowed = additional as? Bool {
                        if !allowed { found.append("\(path): unexpected property '\(name)'") }
                    } else {
                        found += problems(member, against: additional, at: "\(path).\(name)")
                    }
                } else if !properties.isEmpty, schema["allOf"] == nil {
                    found.append("\(path): property '\(name)' is not in the schema")
                }
            }
        case "array":
            guard let array = value as? [Any] else { return found + ["\(path): expected an array"] }
            if let minimum = schema["minItems"] as? Int, array.count < minimum {
                found.append("\(path): fewer than \(minimum) items")
            }
            if let items = schema["items"] {
                for (index, element) in array.enumerated() {
                    found += problems(element, against: items, at: "\(path)[\(index)]")
                }
            }
        case "string":
            guard let text = value as? String else { return found + ["\(path): expected a string"] }
            if schema["format"] as? String == "date-time", !Self.isDateTime(text) {
                found.append("\(path): '\(text)' is not an RFC 3339 date-time")
            }
        case "integer":
            guard let number = value as? NSNumber, !Self.isBool(number),
                number.doubleValue.rounded() == number.doubleValue
            else { return found + ["\(path): expected an integer"] }
            found += range(number.doubleValue, schema, path)
        case "number":
            guard let number = value as? NSNumber, !Self.isBool(number) else {
                return found + ["\(path): expected a number"]
            }
            found += range(number.doubleValue, schema, path)
        case "boolean":
            guard let number = value as? NSNumber, Self.isBool(number) else {
                return found + ["\(path): expected a boolean"]
            }
        default:
            break
        }
        return found
    }

    private func range(_ value: Double, _ schema: [String: Any], _ path: String) -> [String] {
        var found: [String] = []
        if let minimum = (schema["minimum"] as? NSNumber)?.doubleValue, value < minimum {
            found.append("\(path): \(value) is below \(minimum)")
        }
        if let maximum = (schema["maximum"] as? NSNumber)?.doubleValue, value > maximum {
            found.append("\(path): \(value) is above \(maximum)")
        }
        return found
    }

    /// Follows a local `#/a/b/c` reference.
    public func resolve(_ ref: String) -> Any? {
        guard ref.hasPrefix("#/") else { return nil }
        var node: Any = document
        for key in ref.dropFirst(2).split(separator: "/") {
            guard let object = node as? [String: Any], let next = object[String(key)] else { return nil }
            node = next
        }
        return node
    }

    /// JSONSerialization boxes `true`/`false` as NSNumbers of type char.
    static func isBool(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    /// `2026-11-28T06:00:00.000Z` or with an offset.
    static func isDateTime(_ text: String) -> Bool {
        text.range(
            of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#,
            options: .regularExpression
        ) != nil
    }
}
