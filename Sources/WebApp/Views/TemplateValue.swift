import Foundation

/// Turns a view model (plain structs, arrays, optionals) into dictionaries and arrays before Mustache sees it.
///
/// swift-mustache resolves `{{name}}` on a struct through `Mirror`, reflecting the whole struct and filtering its
/// children for every lookup, and again for every enclosing context a name climbs through. On the review page that
/// was 38% of the request's CPU. Reflecting each struct once here and handing over `[String: Any]` (which
/// swift-mustache reads as a `MustacheParent`, by hashing) renders the same output: stored properties only, a `nil`
/// optional is an absent key (so the lookup climbs the context stack exactly as it did for a `nil` property).
enum TemplateValue {
    static func convert(_ value: Any) -> Any {
        // Leaves first: the types templates print or test directly.
        switch value {
        case is String, is Substring, is Bool, is Int, is Int64, is Int32, is Double, is Float, is Character, is Date, is URL,
             is UUID, is Decimal:
            return value
        case let dict as [String: Any]:
            return dict.mapValues(convert)
        default:
            break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            // Only reached for an optional nested inside a collection; properties unwrap below.
            guard let wrapped = mirror.children.first?.value else { return value }
            return convert(wrapped)
        case .collection, .set:
            return mirror.children.map { convert($0.value) }
        case .struct, .class:
            // A type that prints itself keeps doing so.
            if value is CustomStringConvertible { return value }
            var fields: [String: Any] = [:]
            fields.reserveCapacity(Int(mirror.children.count))
            for child in mirror.children {
                guard let label = child.label, let unwrapped = unwrapOptional(child.value) else { continue }
                fields[label] = convert(unwrapped)
            }
            return fields
        default:
            // Enums, tuples, functions: exactly as before.
            return value
        }
    }

    /// The wrapped value of an optional (`nil` for `.none`), or the value itself.
    private static func unwrapOptional(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first?.value
    }
}
