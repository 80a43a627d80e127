/// A fuzzer's input, read from the front. Every read succeeds (zeros past the end), so any
/// byte string is a valid script and a mutation never makes the rest of it meaningless.
struct FuzzInput {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var isAtEnd: Bool { position >= bytes.count }

    mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16() -> UInt16 { UInt16(byte()) << 8 | UInt16(byte()) }

    mutating func bool() -> Bool { byte() & 1 == 1 }

    /// One of `options`, chosen by the next byte.
    mutating func pick<T>(_ options: [T]) -> T { options[Int(byte()) % options.count] }

    /// The bytes up to the next `terminator` (consumed, not returned) or the end.
    mutating func bytes(upTo terminator: UInt8) -> [UInt8] {
        var result: [UInt8] = []
        while position < bytes.count {
            let b = bytes[position]
            position += 1
            if b == terminator { break }
            result.append(b)
        }
        return result
    }

    /// The next `count` bytes, fewer at the end.
    mutating func bytes(count: Int) -> [UInt8] {
        let end = min(bytes.count, position + count)
        defer { position = end }
        return Array(bytes[position..<end])
    }
}
