/// A reading position in one line's bytes, for the fast paths that parse the protocol's common
/// lines in one pass (`GossipLineParser`, `PlainLineParser`, `NodeAddress.plainIPv4`).
///
/// Every reader accepts only the canonical spelling (no leading zeros, exactly three decimals
/// in a timestamp) and says nil for anything else: the caller then hands the line to the
/// general decoder, which reads the other spellings it allows and explains what is wrong.
struct ByteCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var isAtEnd: Bool { index == bytes.count }

    /// Up to `maxDigits` decimal digits; nil if none, if more follow, or if a leading zero is
    /// followed by more digits (`canonical`: `0` alone, never `007`).
    mutating func number(maxDigits: Int, canonical: Bool = true) -> Int64? {
        var value: Int64 = 0
        let start = index
        let n = bytes.count
        while index < n, bytes[index] &- 48 < 10, index - start < maxDigits {
            value = value * 10 + Int64(bytes[index] &- 48)
            index += 1
        }
        if index < n, bytes[index] &- 48 < 10 { return nil }  // Too many digits.
        if canonical, index - start > 1, bytes[start] == UInt8(ascii: "0") { return nil }
        return index > start ? value : nil
    }

    /// Consumes `byte`; false when the next byte is something else (or there is none).
    mutating func expect(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// Consumes `literal` (ASCII); false, having consumed nothing, when the bytes differ.
    mutating func expect(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        let text = literal.utf8Start
        for k in 0..<count where bytes[index + k] != text[k] { return false }
        index += count
        return true
    }

    /// `<seconds>.<mmm>`: up to 12 digits of seconds, exactly three of milliseconds.
    mutating func timestamp() -> Timestamp? {
        guard let seconds = number(maxDigits: 12), expect(UInt8(ascii: ".")) else { return nil }
        let start = index
        guard let millis = number(maxDigits: 3, canonical: false), index - start == 3 else { return nil }
        return Timestamp(milliseconds: seconds * 1000 + millis)
    }

    /// `<a.b.c.d>:<port>`, octets up to 255, port 1 to 65535.
    mutating func address() -> NodeAddress? {
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
        guard let port = number(maxDigits: 5), port >= 1, port <= 65535 else { return nil }
        return NodeAddress(host: .ipv4(octets.0, octets.1, octets.2, octets.3), port: UInt16(port))
    }
}
