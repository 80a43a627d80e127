/// A running FNV-1a hash of everything a simulation did, in order: two runs with the same
/// options and seed print the same digest, and any difference in what happened, or when,
/// changes it.
struct TraceDigest {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func mix(_ number: UInt64) {
        var n = number
        for _ in 0..<8 {
            value ^= n & 0xFF
            value &*= 0x0000_0100_0000_01B3
            n >>= 8
        }
    }

    mutating func mix(_ number: Int64) { mix(UInt64(bitPattern: number)) }
    mutating func mix(_ number: Int) { mix(UInt64(bitPattern: Int64(number))) }

    mutating func mix(_ text: String) {
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01B3
        }
    }

    var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
