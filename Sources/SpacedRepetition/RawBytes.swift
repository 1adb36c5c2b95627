/// A growable byte buffer with manual storage (fast appends for the replay hot path, no copy-on-write checks).
/// Non-copyable, so exactly one owner frees the storage, in `deinit`.
struct RawBytes: ~Copyable {
    private(set) var base: UnsafeMutablePointer<UInt8>
    var count = 0
    private(set) var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private mutating func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(_ p: UnsafePointer<UInt8>, _ n: Int) {
        reserve(n)
        (base + count).update(from: p, count: n)
        count += n
    }

    @inline(__always)
    mutating func appendLiteral(_ s: StaticString) {
        append(s.utf8Start, s.utf8CodeUnitCount)
    }

    @inline(__always)
    mutating func appendInt(_ value: Int) {
        if value >= 0 && value < 10 {
            append(UInt8(48 + value))
            return
        }
        var s = String(value)
        s.withUTF8 { append($0.baseAddress!, $0.count) }
    }

    /// Appends Swift's shortest round-trip form of `value` without allocating.
    @inline(__always)
    mutating func appendDouble(_ value: Double) {
        // Common exact values (retrievability of new and same-day cards), as Swift prints them.
        if value == 0 && value.sign == .plus {
            appendLiteral("0.0")
            return
        }
        if value == 1 {
            appendLiteral("1.0")
            return
        }
        reserve(40)
        var sink = PointerSink(target: base + count)
        value.write(to: &sink)
        count += sink.written
    }
}

/// A `TextOutputStream` writing straight to memory; `Double.write(to:)` hands it ASCII without
/// creating a `String`.
struct PointerSink: TextOutputStream {
    let target: UnsafeMutablePointer<UInt8>
    var written = 0

    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { _writeASCII($0) }
    }

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        guard let source = buffer.baseAddress else { return }
        (target + written).update(from: source, count: min(buffer.count, 40 - written))
        written += min(buffer.count, 40 - written)
    }
}
