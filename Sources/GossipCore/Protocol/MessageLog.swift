/// The peer's record of the gossip messages it has seen: a hash set keyed by the exact message
/// text, with bounded memory.
///
/// Bound: at most `capacity` messages, each kept for at most `retention`; the oldest goes
/// first. A message whose own timestamp is older than `retention` is refused as stale, so an
/// evicted message cannot come round again and be taken for new.
///
/// Exact: a lookup compares the full text whenever the 64-bit hashes match, so two different
/// messages are never taken for one, whatever their hashes.
///
/// Built by hand rather than on `Set<String>` because a relaying peer does one insert and, once
/// full, one eviction per message: measured at full speed, `Set`'s SipHash and its deletion were
/// a third of a peer's work. Here the messages sit in a ring in arrival order, and an open-
/// addressing table (linear probing, backward-shift deletion) maps hashes to ring positions.
/// The hash is keyed with a seed drawn at start, so a sender cannot choose colliding texts.
public struct MessageLog: Sendable {
    public let capacity: Int
    public let retention: Duration

    struct Entry: Sendable {
        var message: GossipMessage
        var arrival: Instant
        var hash: UInt64
    }

    /// Arrival order: the live entries are `ring[(head + k) % capacity]` for k in 0..<count.
    /// Grows by appending until it holds `capacity` entries, then wraps.
    private var ring: [Entry] = []
    private var head = 0
    public private(set) var count = 0
    /// Ring positions by hash: each slot holds the position (high 32 bits) and the low 32 bits
    /// of the entry's hash, so a probe rarely has to look at the ring; `empty` marks a free
    /// slot. Its size is a power of two, at least twice `count`.
    private var slots: [UInt64] = []
    private static let empty = UInt64.max

    private static func slotValue(position: Int, hash: UInt64) -> UInt64 {
        UInt64(position) << 32 | (hash & 0xFFFF_FFFF)
    }
    private let seed: UInt64

    public init(capacity: Int = 65_536, retention: Duration = .seconds(600), seed: UInt64 = 0x9E37_79B9_7F4A_7C15) {
        precondition(capacity > 0 && capacity < Int(Int32.max))
        self.capacity = capacity
        self.retention = retention
        self.seed = seed
    }

    public func contains(_ message: GossipMessage) -> Bool {
        find(message.text, hash: hash(message.text)) != nil
    }

    /// What happened to a message offered to the log.
    public enum Outcome: Equatable, Sendable {
        case new
        case duplicate
        case stale
    }

    /// Records `message` if it is new; evicts the oldest when full.
    ///
    /// Expiry by age is left to `expire(now:)`, which the peer calls once per liveness check:
    /// doing it here too would touch the oldest entry on every message, duplicates included.
    public mutating func insert(_ message: GossipMessage, now: Now) -> Outcome {
        // Stale first: a message older than the retention is refused whether or not its entry
        // has been expired yet, so the answer does not depend on when expiry last ran.
        if message.timestamp.milliseconds < now.wall.milliseconds - retention.wholeMilliseconds { return .stale }
        let h = hash(message.text)
        if find(message.text, hash: h) != nil { return .duplicate }
        if count == capacity { removeOldest() }
        if slots.count < 2 * (count + 1) { grow() }
        let position: Int
        let entry = Entry(message: message, arrival: now.instant, hash: h)
        if ring.count < capacity {
            position = ring.count
            ring.append(entry)
        } else {
            position = (head + count) % capacity
            ring[position] = entry
        }
        count += 1
        var slot = Int(truncatingIfNeeded: h) & (slots.count - 1)
        while slots[slot] != Self.empty { slot = (slot + 1) & (slots.count - 1) }
        slots[slot] = Self.slotValue(position: position, hash: h)
        return .new
    }

    /// The most recent messages, oldest first, at most `limit`: what a new neighbour is sent.
    public func recent(limit: Int) -> [GossipMessage] {
        let take = min(limit, count)
        return (count - take..<count).map { ring[(head + $0) % capacity].message }
    }

    /// Drops the messages that arrived more than `retention` ago.
    public mutating func expire(now: Instant) {
        while count > 0, now - ring[head].arrival > retention { removeOldest() }
    }

    // MARK: The table

    /// The slot holding `text`, if present.
    private func find(_ text: String, hash h: UInt64) -> Int? {
        guard !slots.isEmpty else { return nil }
        var slot = Int(truncatingIfNeeded: h) & (slots.count - 1)
        let tag = h & 0xFFFF_FFFF
        while slots[slot] != Self.empty {
            if slots[slot] & 0xFFFF_FFFF == tag {
                let entry = ring[Int(slots[slot] >> 32)]
                if entry.hash == h && entry.message.text == text { return slot }
            }
            slot = (slot + 1) & (slots.count - 1)
        }
        return nil
    }

    private mutating func removeOldest() {
        let oldest = ring[head]
        if let slot = find(oldest.message.text, hash: oldest.hash) { deleteSlot(slot) }
        head = (head + 1) % capacity
        count -= 1
    }

    /// Empties `slot` and moves later entries of its probe run back, so every entry stays
    /// reachable from its home slot without tombstones.
    private mutating func deleteSlot(_ slot: Int) {
        let mask = slots.count - 1
        var hole = slot
        var next = (hole + 1) & mask
        while slots[next] != Self.empty {
            // The low hash bits in the slot give the home slot (the table is under 2^32).
            let home = Int(truncatingIfNeeded: slots[next] & 0xFFFF_FFFF) & mask
            // Move the entry into the hole unless its home lies cyclically in (hole, next].
            let between = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next)
            if !between {
                slots[hole] = slots[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        slots[hole] = Self.empty
    }

    private mutating func grow() {
        let size = max(16, slots.count * 2)
        slots = [UInt64](repeating: Self.empty, count: size)
        for k in 0..<count {
            let position = (head + k) % capacity
            let h = ring[position].hash
            var slot = Int(truncatingIfNeeded: h) & (size - 1)
            while slots[slot] != Self.empty { slot = (slot + 1) & (size - 1) }
            slots[slot] = Self.slotValue(position: position, hash: h)
        }
    }

    /// A keyed 64-bit hash of the text's bytes, eight at a time.
    private func hash(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { bytes in
            var h = seed ^ (UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15)
            var i = 0
            let raw = UnsafeRawBufferPointer(bytes)
            while i + 8 <= bytes.count {
                h = Self.mix(h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                i += 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < bytes.count {
                tail |= UInt64(bytes[i]) << shift
                shift += 8
                i += 1
            }
            return Self.mix(h ^ tail ^ 0xFF)
        }
    }

    /// A multiply-xorshift finaliser (from SplitMix64).
    private static func mix(_ x: UInt64) -> UInt64 {
        var z = x &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 31)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 29)
    }
}
