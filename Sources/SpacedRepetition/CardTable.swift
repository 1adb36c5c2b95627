import Foundation

/// Open-addressing map from card id bytes to per-card scheduling state, laid out for few cache
/// misses: the slot array holds a 32-bit hash tag next to the entry index, and each 64-byte,
/// 64-byte-aligned entry holds the card state and (up to 16 bytes of) the id inline.
/// Non-copyable: it owns `entries` and the arena and frees them when it ends.
struct CardTable: ~Copyable {
    /// The longest accepted card id, in bytes.
    static let maximumKeyLength = 4096

    struct Entry {
        var card: PackedCard
        /// Offset in `arena` of the id (followed by its JSON-escaped form when `jsonCount > 0`).
        var keyOffset: UInt32
        var keyCount: UInt16
        /// 0 when the id needs no escaping in JSON; otherwise the length of the escaped form.
        var jsonCount: UInt16
        /// The first 16 bytes of the id, zero-padded.
        var inline0: UInt64
        var inline1: UInt64
    }

    private(set) var count = 0
    private var capacity = 1024
    private var entries: UnsafeMutablePointer<Entry>
    private var arena = RawBytes(capacity: 1 << 16)
    /// 0: empty; otherwise (hash tag << 32) | (index + 1).
    private var slots: [UInt64] = Array(repeating: 0, count: 2048)
    private var shift: UInt64 = 64 - 11

    init() {
        entries = UnsafeMutableRawPointer.allocate(byteCount: capacity * MemoryLayout<Entry>.stride, alignment: 64)
            .bindMemory(to: Entry.self, capacity: capacity)
    }

    deinit {
        UnsafeMutableRawPointer(entries).deallocate()
    }

    @inline(__always)
    func card(_ index: Int) -> CoreCard { entries[index].card.core }

    @inline(__always)
    func setCard(_ index: Int, _ card: CoreCard) { entries[index].card = PackedCard(card) }

    @inline(__always)
    private func slot(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    @inline(__always)
    private static func inlineWords(_ key: UnsafePointer<UInt8>, _ count: Int) -> (UInt64, UInt64) {
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { $0.baseAddress!.copyMemory(from: key, byteCount: min(count, 16)) }
        return words
    }

    @inline(__always)
    private func matches(_ index: Int, _ key: UnsafePointer<UInt8>, _ count: Int, _ words: (UInt64, UInt64)) -> Bool {
        let entry = entries[index]
        guard Int(entry.keyCount) == count, entry.inline0 == words.0, entry.inline1 == words.1 else { return false }
        if count <= 16 { return true }
        return memcmp(arena.base + Int(entry.keyOffset) + 16, key + 16, count - 16) == 0
    }

    /// The JSON-escaped id of entry `index` (valid until the next insertion).
    @inline(__always)
    func jsonBytes(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let entry = entries + index
        let keyCount = Int(entry.pointee.keyCount)
        if entry.pointee.jsonCount == 0 {
            if keyCount <= 16 {
                return UnsafeRawBufferPointer(start: UnsafeRawPointer(entry) + MemoryLayout<Entry>.offset(of: \Entry.inline0)!, count: keyCount)
                    .assumingMemoryBound(to: UInt8.self)
            }
            return UnsafeBufferPointer(start: arena.base + Int(entry.pointee.keyOffset), count: keyCount)
        }
        return UnsafeBufferPointer(
            start: arena.base + Int(entry.pointee.keyOffset) + keyCount, count: Int(entry.pointee.jsonCount))
    }

    /// Linear probing from the hash's slot: the index of the entry with this id, or `nil` and the empty slot where it
    /// would go.
    @inline(__always)
    private func probe(
        _ key: UnsafePointer<UInt8>, _ count: Int, hash: UInt64, words: (UInt64, UInt64)
    ) -> (index: Int?, slot: Int) {
        let tag = hash & 0xFFFF_FFFF
        let mask = slots.count - 1
        var s = slot(hash)
        while true {
            let value = slots[s]
            if value == 0 { return (nil, s) }
            let index = Int(value & 0xFFFF_FFFF) - 1
            if value >> 32 == tag && matches(index, key, count, words) { return (index, s) }
            s = (s + 1) & mask
        }
    }

    func find(_ key: UnsafePointer<UInt8>, _ count: Int, hash: UInt64) -> Int? {
        probe(key, count, hash: hash, words: Self.inlineWords(key, count)).index
    }

    @inline(__always)
    mutating func findOrInsert(_ key: UnsafePointer<UInt8>, _ count: Int, hash: UInt64, rawJSON: Bool) -> Int {
        let words = Self.inlineWords(key, count)
        let found = probe(key, count, hash: hash, words: words)
        if let index = found.index { return index }
        return insert(key, count, hash: hash, rawJSON: rawJSON, words: words, slot: found.slot)
    }

    private mutating func insert(
        _ key: UnsafePointer<UInt8>, _ count: Int, hash: UInt64, rawJSON: Bool, words: (UInt64, UInt64), slot s: Int
    ) -> Int {
        precondition(count <= Self.maximumKeyLength)
        let keyOffset = arena.count
        var jsonCount = 0
        if count > 16 || !rawJSON {
            arena.append(key, count)
            if !rawJSON {
                var escaped: [UInt8] = []
                JSONEscape.append(UnsafeBufferPointer(start: key, count: count), to: &escaped)
                escaped.withUnsafeBufferPointer { arena.append($0.baseAddress!, $0.count) }
                jsonCount = escaped.count
            }
        }
        precondition(arena.count <= Int(UInt32.max), "too many card ids")
        if self.count == capacity { growEntries() }
        let index = self.count
        (entries + index).initialize(
            to: Entry(
                card: PackedCard(), keyOffset: UInt32(keyOffset), keyCount: UInt16(count),
                jsonCount: UInt16(jsonCount), inline0: words.0, inline1: words.1))
        self.count += 1
        slots[s] = ((hash & 0xFFFF_FFFF) << 32) | UInt64(index + 1)
        if self.count * 2 > slots.count { growSlots() }
        return index
    }

    private mutating func growEntries() {
        let newCapacity = capacity * 2
        let newEntries = UnsafeMutableRawPointer.allocate(
            byteCount: newCapacity * MemoryLayout<Entry>.stride, alignment: 64
        ).bindMemory(to: Entry.self, capacity: newCapacity)
        newEntries.moveInitialize(from: entries, count: self.count)
        UnsafeMutableRawPointer(entries).deallocate()
        entries = newEntries
        capacity = newCapacity
    }

    private mutating func growSlots() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        shift -= 1
        let mask = slots.count - 1
        for value in old where value != 0 {
            let index = Int(value & 0xFFFF_FFFF) - 1
            let entry = entries[index]
            // Recompute the hash from the stored id.
            let keyCount = Int(entry.keyCount)
            var hash: UInt64
            if keyCount <= 16 {
                var words = (entry.inline0, entry.inline1)
                hash = withUnsafeBytes(of: &words) { FuzzSeed.cardHash(bytes: UnsafeRawBufferPointer(rebasing: $0[0..<keyCount])) }
            } else {
                hash = FuzzSeed.cardHash(bytes: UnsafeRawBufferPointer(start: arena.base + Int(entry.keyOffset), count: keyCount))
            }
            var s = slot(hash)
            while slots[s] != 0 { s = (s + 1) & mask }
            slots[s] = value
        }
    }
}

struct PackedCard {
    var stability: Double = .nan  // NaN: none
    var difficulty: Double = .nan
    var due: Int64 = 0
    var lastReview: Int64 = .min  // .min: none
    var reviewCount: UInt32 = 0
    var step: Int16 = 0  // -1: none
    var state: UInt8 = 0  // 0 learning, 1 review, 2 relearning

    @inline(__always)
    init() {}

    @inline(__always)
    init(_ c: CoreCard) {
        stability = c.stability ?? .nan
        difficulty = c.difficulty ?? .nan
        due = c.due
        lastReview = c.lastReview ?? .min
        reviewCount = UInt32(truncatingIfNeeded: min(c.reviewCount, Int(UInt32.max)))
        step = c.step.map { Int16(truncatingIfNeeded: $0) } ?? -1
        switch c.state {
        case .learning: state = 0
        case .review: state = 1
        case .relearning: state = 2
        }
    }

    @inline(__always)
    var core: CoreCard {
        var c = CoreCard()
        c.stability = stability.isNaN ? nil : stability
        c.difficulty = difficulty.isNaN ? nil : difficulty
        c.due = due
        c.lastReview = lastReview == .min ? nil : lastReview
        c.reviewCount = Int(reviewCount)
        c.step = step < 0 ? nil : Int(step)
        c.state = state == 0 ? .learning : (state == 1 ? .review : .relearning)
        return c
    }
}
