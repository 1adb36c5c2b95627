import Dispatch
import Foundation

/// Wraps a value that is shared across worker threads under a discipline the compiler cannot see
/// (disjoint writes per thread, or read-only after a barrier).
struct UncheckedSendable<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

/// Number of worker threads to use by default: all cores.
public var recommenderDefaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

/// Runs `body(thread, threadCount)` on `threads` threads and waits for all of them.
func runThreads(_ threads: Int, _ body: @Sendable (Int) -> Void) {
    let t = max(1, threads)
    if t == 1 {
        body(0)
        return
    }
    DispatchQueue.concurrentPerform(iterations: t) { body($0) }
}

/// Splits `0..<count` into `threads` contiguous ranges and runs them in parallel.
func parallelRanges(_ count: Int, threads: Int, _ body: @Sendable (Range<Int>) -> Void) {
    let t = max(1, min(threads, count))
    if t <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    DispatchQueue.concurrentPerform(iterations: t) { i in
        let lo = count * i / t
        let hi = count * (i + 1) / t
        if lo < hi { body(lo..<hi) }
    }
}

/// Maps `0..<count` to results in parallel (results in index order, deterministic).
func parallelMap<T: Sendable>(_ count: Int, threads: Int, _ body: @Sendable (Int) -> T) -> [T] {
    let buffer = UnsafeMutablePointer<T?>.allocate(capacity: max(count, 1))
    buffer.initialize(repeating: nil, count: max(count, 1))
    let box = UncheckedSendable(buffer)
    let t = max(1, min(threads, count))
    DispatchQueue.concurrentPerform(iterations: t) { w in
        var i = w
        while i < count {
            box.value[i] = body(i)
            i += t
        }
    }
    var out = [T]()
    out.reserveCapacity(count)
    for i in 0..<count { out.append(buffer[i]!) }
    buffer.deinitialize(count: max(count, 1))
    buffer.deallocate()
    return out
}
