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
        return guessable(password, username: username)
    }

    /// The checks NIST SP 800-63B §5.1.1.2 asks for beyond length: repetitive or sequential characters,
    /// context-specific words (the username, the site's name) and commonly used passwords, here a common word or
    /// keyboard run with only digits and symbols around it ("Password2024!", "qwertyuiop1"). Written by hand: a
    /// breached-password corpus is not something to ship, and these patterns are what attackers try first.
    static func guessable(_ password: String, username: String) -> String? {
        let lower = password.lowercased()
        let scalars = Array(lower.unicodeScalars)
        if Set(scalars).count <= 2 { return "That password repeats one or two characters; choose one that is harder to guess, such as a few unrelated words." }
        let steps = zip(scalars, scalars.dropFirst()).map { Int($1.value) - Int($0.value) }
        if steps.allSatisfy({ $0 == 1 }) || steps.allSatisfy({ $0 == -1 }) {
            return "That password is a run of consecutive characters; choose one that is harder to guess, such as a few unrelated words."
        }
        let name = username.lowercased()
        if name.count >= 4 && lower.contains(name) { return "Your password must not contain your username." }
        if lower.contains("casebook") { return "Your password must not contain “casebook”, the name of this site." }
        let letters = String(lower.unicodeScalars.filter { ("a"..."z").contains($0) }.map(Character.init))
        if commonBases.contains(letters) {
            return "That password is among the first an attacker tries: digits and symbols only, or a common word or keyboard run with some added. Choose another, such as a few unrelated words."
        }
        return nil
    }

    /// Common words and keyboard runs, letters only, lower case: passwords made of one of these plus digits and
    /// symbols are refused.
    static let commonBases: Set<String> = [
        "", "password", "passwort", "passwd", "pass", "qwerty", "qwert", "qwertyuiop", "qwertyui", "asdfgh", "asdfghjkl",
        "zxcvbnm", "qazwsx", "qwe", "qweasd", "abc", "abcd", "iloveyou", "letmein", "welcome", "admin", "administrator",
        "login", "secret", "monkey", "dragon", "football", "baseball", "soccer", "basketball", "hockey", "sunshine",
        "princess", "superman", "batman", "starwars", "master", "shadow", "michael", "jennifer", "charlie", "trustno",
        "whatever", "freedom", "computer", "internet", "changeme", "default", "access", "hello", "helloworld",
        "summer", "winter", "spring", "autumn", "january", "december", "love", "lovely", "flower", "cookie",
        "pokemon", "minecraft", "google", "facebook", "linkedin", "interview", "machinelearning", "test", "testing",
    ]
}
