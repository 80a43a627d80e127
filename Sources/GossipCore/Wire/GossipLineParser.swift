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
        var i = 0
        let n = bytes.count

        /// Reads up to `maxDigits` decimal digits; nil if none, or if a leading zero is
        /// followed by more digits (`canonical`: `0` alone, never `007`).
        func number(maxDigits: Int, canonical: Bool = true) -> Int64? {
            var value: Int64 = 0
            let start = i
            while i < n, bytes[i] &- 48 < 10, i - start < maxDigits {
                value = value * 10 + Int64(bytes[i] &- 48)
                i += 1
            }
            if i < n, bytes[i] &- 48 < 10 { return nil }  // Too many digits.
            if canonical, i - start > 1, bytes[start] == UInt8(ascii: "0") { return nil }
            return i > start ? value : nil
        }
        func expect(_ byte: UInt8) -> Bool {
            guard i < n, bytes[i] == byte else { return false }
            i += 1
            return true
        }

        guard let seconds = number(maxDigits: 12), expect(UInt8(ascii: ".")) else { return nil }
        let start = i
        guard let millis = number(maxDigits: 3, canonical: false), i - start == 3 else { return nil }
        guard expect(UInt8(ascii: ":")) else { return nil }
        var octets: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        for k in 0..<4 {
            guard let octet = number(maxDigits: 3), octet <= 255 else { return nil }
            switch k {
            case 0: octets.0 = UInt8(octet)
            case 1: octets.1 = UInt8(octet)
            case 2: octets.2 = UInt8(octet)
            default: octets.3 = UInt8(octet)
            }
            guard expect(k < 3 ? UInt8(ascii: ".") : UInt8(ascii: ":")) else { return nil }
        }
        guard let port = number(maxDigits: 5), port >= 1, port <= 65535, expect(UInt8(ascii: ":")) else { return nil }
        guard let sequence = number(maxDigits: 18), sequence >= 1, i == n else { return nil }
        let origin = NodeAddress(host: .ipv4(octets.0, octets.1, octets.2, octets.3), port: UInt16(port))
        return (Timestamp(milliseconds: seconds * 1000 + millis), origin, Int(sequence))
    }
}
