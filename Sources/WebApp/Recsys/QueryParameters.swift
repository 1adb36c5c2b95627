import Hummingbird

/// Typed, validated access to query parameters. Every failure is a 400 naming the parameter and what it accepts.
struct QueryParameters {
    let raw: [String: String]

    init(_ request: Request) {
        var d: [String: String] = [:]
        for (k, v) in request.uri.queryParameters { d[String(k)] = String(v) }
        raw = d
    }

    func int(_ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let s = raw[name], !s.isEmpty else { return value }
        guard let v = Int(s), range.contains(v) else {
            throw AppError(.badRequest, "`\(name)` must be a whole number from \(range.lowerBound) to \(range.upperBound).",
                           parameter: name, allowed: "\(range.lowerBound)–\(range.upperBound)")
        }
        return v
    }

    func requiredInt(_ name: String, in range: ClosedRange<Int>) throws -> Int {
        guard raw[name]?.isEmpty == false else {
            throw AppError(.badRequest, "`\(name)` is required.", parameter: name, allowed: "\(range.lowerBound)–\(range.upperBound)")
        }
        return try int(name, default: 0, in: range)
    }

    func double(_ name: String, default value: Double, in range: ClosedRange<Double>) throws -> Double {
        guard let s = raw[name], !s.isEmpty else { return value }
        guard let v = Double(s), v.isFinite, range.contains(v) else {
            throw AppError(.badRequest, "`\(name)` must be a number from \(range.lowerBound) to \(range.upperBound).",
                           parameter: name, allowed: "\(range.lowerBound)–\(range.upperBound)")
        }
        return v
    }

    func choice(_ name: String, default value: String, from options: [String]) throws -> String {
        guard let s = raw[name], !s.isEmpty else { return value }
        guard options.contains(s) else {
            throw AppError(.badRequest, "`\(name)` must be one of \(options.joined(separator: ", ")).",
                           parameter: name, allowed: options.joined(separator: "|"))
        }
        return s
    }
}
