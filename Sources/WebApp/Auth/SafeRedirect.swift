import Foundation

/// Where to send someone after signing in: only a path on this site, never another host.
enum SafeRedirect {
    /// `next` if it is a local path ("/…", not "//…" or "/\…", no scheme, no control characters), else "/".
    static func path(_ next: String?) -> String {
        guard let next, !next.isEmpty, next.utf8.count <= 1024 else { return "/" }
        // Browsers treat "\" like "/", so "/\evil.example" would leave the site; decode once to catch "%2F%2F" too.
        let decoded = next.removingPercentEncoding ?? next
        for candidate in [next, decoded] {
            guard candidate.hasPrefix("/"), !candidate.hasPrefix("//"), !candidate.contains("\\") else { return "/" }
            if candidate.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "/" }
        }
        if next.hasPrefix("/login") || next.hasPrefix("/signup") || next.hasPrefix("/logout") { return "/" }
        return next
    }

    /// `/login?next=…` for a page.
    static func loginURL(next: String) -> String {
        let safe = path(next)
        return safe == "/" ? "/login" : "/login?next=" + queryEncode(safe)
    }

    /// Percent-encodes for a query value (everything but unreserved characters and "/").
    static func queryEncode(_ s: String) -> String {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
