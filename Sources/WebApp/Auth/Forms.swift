import Foundation
import Hummingbird

/// Reads `application/x-www-form-urlencoded` bodies into a dictionary. Written by hand rather than decoded with
/// `URLEncodedFormDecoder` because every form here is a few optional strings, and a missing or odd field must become
/// a message on the form, not a decoding error page.
struct FormFields: Sendable {
    private var values: [String: String]

    /// More fields than any Casebook form has (the mock-interview editor, the largest, has about forty): parsing
    /// stops there, so a body of empty fields costs nothing before it is refused (issue 18).
    static let maxFields = 500
    /// The body had more than `maxFields` fields; `read` refuses it.
    private(set) var tooManyFields = false

    /// Parses `a=1&b=x+y` (first value wins for a repeated name), stopping after `maxFields` fields.
    init(parsing body: String) {
        var values: [String: String] = [:]
        var count = 0
        for pair in body.split(separator: "&", maxSplits: Self.maxFields, omittingEmptySubsequences: true) {
            count += 1
            if count > Self.maxFields {
                tooManyFields = true
                break
            }
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]) else { continue }
            let value = parts.count > 1 ? Self.decode(parts[1]) ?? "" : ""
            if values[name] == nil { values[name] = value }
        }
        self.values = values
    }

    /// The value of `name`, or nil.
    subscript(_ name: String) -> String? { values[name] }

    /// Every field, sorted by name (fields named by a row id, such as `reply_<id>`).
    var all: [(String, String)] { values.sorted { $0.key < $1.key } }

    private static func decode(_ s: Substring) -> String? {
        String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// Collects and parses a request's form body (the body stays readable by the handler afterwards).
    static func read(_ request: inout Request, limit: Int) async throws -> FormFields {
        let buffer = try await request.collectBody(upTo: limit)
        let form = FormFields(parsing: String(buffer: buffer))
        if form.tooManyFields {
            throw AppError(.badRequest, "This form has more than \(maxFields) fields, more than any Casebook form, so nothing was changed.")
        }
        return form
    }
}

/// Finds one text field in a `multipart/form-data` body (the CSRF token of an upload form) without buffering files
/// into strings: a byte search for the part whose name is `field`.
enum MultipartField {
    static func value(of field: String, in body: ByteBuffer, contentType: String) -> String? {
        guard let range = contentType.range(of: "boundary=") else { return nil }
        var boundary = String(contentType[range.upperBound...])
        if let semi = boundary.firstIndex(of: ";") { boundary = String(boundary[..<semi]) }
        boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        guard !boundary.isEmpty else { return nil }
        let bytes = Array(body.readableBytesView)
        let needle = Array("name=\"\(field)\"".utf8)
        guard let nameAt = find(needle, in: bytes, from: 0),
              let headersEnd = find(Array("\r\n\r\n".utf8), in: bytes, from: nameAt)
        else { return nil }
        let start = headersEnd + 4
        guard let end = find(Array("\r\n--\(boundary)".utf8), in: bytes, from: start) else { return nil }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        var i = from
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}
