/// JSON string escaping of UTF-8 bytes (quotes, backslashes and control characters).
enum JSONEscape {
    static func append(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        for b in bytes {
            switch b {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            case 0x09: out += [0x5C, 0x74]
            case 0x00..<0x20: out += [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: out.append(b)
            }
        }
    }

    /// The JSON string literal (with quotes) for `text`.
    static func quoted(_ text: String) -> String {
        var out: [UInt8] = [0x22]
        var text = text
        text.withUTF8 { append($0, to: &out) }
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }
}
