/// The fast path for the one line a busy peer reads most: a gossip message from an IPv4
/// origin, `<seconds>.<mmm>:<a.b.c.d>:<port>:<Msg#>`, parsed in one pass over its bytes.
///
/// It accepts exactly what the general decoder accepts for such lines, and says nil for
/// anything else (IPv6 origins, any malformed or non-canonical line), which then goes through
/// the general decoder and gets its precise error. Only the canonical spelling is accepted
/// (docs/PROTOCOL.md, "Gossip"): seconds, octets, port and Msg# without leading zeros, and
/// exactly three decimals, so that one message has one text. Measured on a peer relaying gossip at full speed, the
/// general decoder's `Character`-level scanning was the largest single cost.
enum GossipLineParser {
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (Timestamp, NodeAddress, Int)? {
        var line = ByteCursor(bytes)
        guard let timestamp = line.timestamp(), line.expect(UInt8(ascii: ":")),
            let origin = line.address(), line.expect(UInt8(ascii: ":")),
            let sequence = line.number(maxDigits: 18), sequence >= 1, line.isAtEnd
        else { return nil }
        return (timestamp, origin, Int(sequence))
    }
}
