/// UTF-8 validation of raw bytes.
enum UTF8Check {
    static func isValid(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = 0
        while i < n {
            let b0 = p[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            let need: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; upper = 0x9F
            case 0xF0: need = 3; lower = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; upper = 0x8F
            default: return false
            }
            guard i + need < n else { return false }
            let b1 = p[i + 1]
            guard b1 >= lower && b1 <= upper else { return false }
            var k = 2
            while k <= need {
                let b = p[i + k]
                guard b >= 0x80 && b <= 0xBF else { return false }
                k += 1
            }
            i += need + 1
        }
        return true
    }
}
