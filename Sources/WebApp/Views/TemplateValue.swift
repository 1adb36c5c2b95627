import Foundation
import Synchronization

/// Turns a view model (plain structs, arrays, optionals) into dictionaries and arrays before Mustache sees it.
///
/// swift-mustache resolves `{{name}}` on a struct through `Mirror`, reflecting the whole struct and filtering its
/// children for every lookup, and again for every enclosing context a name climbs through. On the review page that
/// was 38% of the request's CPU. Reflecting each struct once here and handing over `[String: Any]` (which
/// swift-mustache reads as a `MustacheParent`, by hashing) renders the same output: stored properties only, a `nil`
/// optional is an absent key (so the lookup climbs the context stack exactly as it did for a `nil` property).
enum TemplateValue {
    /// How a type is converted; decided once per type, because a chain of failed dynamic casts per value was itself
    /// a visible cost.
    private enum Kind { case leaf, record, collection, dictionary }
    private static let kinds = Mutex<[ObjectIdentifier: Kind]>([:])

    static func convert(_ value: Any) -> Any {
        if let optional = value as? any OptionalValue {
            // Only reached for an optional nested inside a collection; record properties unwrap below.
            guard let wrapped = optional.wrappedValue else { return value }
            return convert(wrapped)
        }
        switch kind(of: value) {
        case .leaf:
            return value
        case .dictionary:
            return (value as? [String: Any])?.mapValues(convert) ?? value
        case .collection:
            return Mirror(reflecting: value).children.map { convert($0.value) }
        case .record:
            let mirror = Mirror(reflecting: value)
            var fields: [String: Any] = [:]
            fields.reserveCapacity(Int(mirror.children.count))
            for child in mirror.children {
                guard let label = child.label else { continue }
                if let optional = child.value as? any OptionalValue {
                    if let wrapped = optional.wrappedValue { fields[label] = convert(wrapped) }
                } else {
                    fields[label] = convert(child.value)
                }
            }
            return fields
        }
    }

    private static func kind(of value: Any) -> Kind {
        let id = ObjectIdentifier(type(of: value))
        if let known = kinds.withLock({ $0[id] }) { return known }
        let kind = classify(value)
        kinds.withLock { $0[id] = kind }
        return kind
    }

    private static func classify(_ value: Any) -> Kind {
        // The types templates print or test directly.
        switch value {
        case is String, is Substring, is Bool, is Int, is Int64, is Int32, is Double, is Float, is Character, is Date, is URL,
             is UUID, is Decimal:
            return .leaf
        case is [String: Any]:
            return .dictionary
        default:
            break
        }
        switch Mirror(reflecting: value).displayStyle {
        case .collection, .set:
            return .collection
        case .struct, .class:
            // A type that prints itself keeps doing so.
            return value is CustomStringConvertible ? .leaf : .record
        default:
            // Enums, tuples, functions: exactly as before.
            return .leaf
        }
    }
}

/// Lets an `Optional` of any wrapped type be recognised and opened with one cast.
private protocol OptionalValue {
    var wrappedValue: Any? { get }
}

extension Optional: OptionalValue {
    fileprivate var wrappedValue: Any? { self.map { $0 as Any } }
}
