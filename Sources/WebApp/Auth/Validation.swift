import Foundation

/// The rules for usernames and passwords, with messages that say exactly what to change.
enum Credentials {
    static let usernameLength = 3...32
    static let passwordMinimum = 10
    /// bcrypt reads only the first 72 bytes; longer passwords would silently lose their tail, so they are refused.
    static let passwordMaximumBytes = 72

    /// Lower-cases and trims a typed username; returns an error message if it breaks a rule.
    static func normalizeUsername(_ raw: String) -> (String, String?) {
        let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
        if name.isEmpty { return (name, "Choose a username.") }
        if !usernameLength.contains(name.count) {
            return (name, "A username has \(usernameLength.lowerBound) to \(usernameLength.upperBound) characters.")
        }
        let allowed = name.unicodeScalars.allSatisfy { s in
            ("a"..."z").contains(s) || ("0"..."9").contains(s) || s == "_" || s == "-" || s == "."
        }
        if !allowed { return (name, "Use only letters a–z, digits, dots, hyphens and underscores in a username.") }
        if let first = name.unicodeScalars.first, !(("a"..."z").contains(first) || ("0"..."9").contains(first)) {
            return (name, "A username starts with a letter or a digit.")
        }
        return (name, nil)
    }

    /// Why `password` is not acceptable for `username`, or nil.
    static func passwordProblem(_ password: String, username: String) -> String? {
        if password.count < passwordMinimum { return "Use at least \(passwordMinimum) characters for your password." }
        if password.utf8.count > passwordMaximumBytes {
            return "A password can be at most \(passwordMaximumBytes) bytes (about \(passwordMaximumBytes) letters; fewer with accents or emoji)."
        }
        if password.lowercased() == username.lowercased() { return "Your password must differ from your username." }
        if password.contains("\0") { return "A password cannot contain a NUL character." }
        return nil
    }
}
