/// Which `Msg#`s of one origin's run have been seen: every number up to `floor`, and a bitmap
/// of the `width` numbers above it (the anti-replay window of IPsec, RFC 4303 §3.4.3).
///
/// Exact in the direction that matters: a number once marked is seen for good. When a number
/// arrives more than `width` above the floor, the window slides up and the numbers it leaves
/// behind count as seen whether or not they came: a message that far behind its origin's
/// newest is refused (dropped as a duplicate), never delivered twice. Messages of one origin
/// are made one at a time, so that takes reordering by more than `width` of one origin's own
/// messages: 256 messages, 21 minutes at the specification's one per 5 s.
struct SequenceWindow: Sendable, Equatable {
    static let width = 256

    /// Every number up to here counts as seen.
    private(set) var floor = 0
    /// Bit k of word w: `floor + 1 + 64 w + k` was seen. Four words inline: no allocation.
    private var w0: UInt64 = 0
    private var w1: UInt64 = 0
    private var w2: UInt64 = 0
    private var w3: UInt64 = 0

    init() {}

    func contains(_ number: Int) -> Bool {
        if number <= floor { return true }
        let offset = number - floor - 1
        guard offset < Self.width else { return false }
        return word(offset >> 6) >> UInt64(offset & 63) & 1 == 1
    }

    /// Marks `number` seen; false when it was seen already (or lies below the window).
    mutating func mark(_ number: Int) -> Bool {
        if number <= floor { return false }
        var offset = number - floor - 1
        if offset >= Self.width {
            slide(by: offset - Self.width + 1)
            offset = Self.width - 1
        }
        let bit: UInt64 = 1 << UInt64(offset & 63)
        switch offset >> 6 {
        case 0:
            if w0 & bit != 0 { return false }
            w0 |= bit
        case 1:
            if w1 & bit != 0 { return false }
            w1 |= bit
        case 2:
            if w2 & bit != 0 { return false }
            w2 |= bit
        default:
            if w3 & bit != 0 { return false }
            w3 |= bit
        }
        // Numbers seen without a gap above the floor join it (the common case: the next one).
        while w0 & 1 == 1 { slide(by: (~w0).trailingZeroBitCount) }
        return true
    }

    private func word(_ index: Int) -> UInt64 {
        switch index {
        case 0: return w0
        case 1: return w1
        case 2: return w2
        default: return w3
        }
    }

    /// Moves the floor up by `count`, the bits with it.
    private mutating func slide(by count: Int) {
        floor += count
        if count >= Self.width {
            (w0, w1, w2, w3) = (0, 0, 0, 0)
            return
        }
        var rest = count
        while rest >= 64 {
            (w0, w1, w2, w3) = (w1, w2, w3, 0)
            rest -= 64
        }
        guard rest > 0 else { return }
        let r = UInt64(rest)
        let l = UInt64(64 - rest)
        w0 = w0 >> r | w1 << l
        w1 = w1 >> r | w2 << l
        w2 = w2 >> r | w3 << l
        w3 = w3 >> r
    }
}
