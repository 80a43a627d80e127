/// HMAC-SHA-256 (RFC 2104, FIPS 198-1): `H((K ^ opad) || H((K ^ ipad) || message))`.
///
/// The key's two padded blocks are absorbed once, when the key is set, so one code costs the
/// message's blocks and two more compressions. The tests check RFC 4231's seven cases.
public struct HMACSHA256: Sendable {
    /// SHA-256 after absorbing `K ^ ipad` and `K ^ opad` (one block each).
    private let inner: SHA256
    private let outer: SHA256

    public static let codeBytes = SHA256.digestBytes

    /// A key longer than a block is hashed first (RFC 2104, section 2); a shorter one is
    /// padded with zeros.
    public init(key: [UInt8]) {
        var block = key.count > SHA256.blockBytes ? SHA256.hash(key) : Array(key)
        block.append(contentsOf: repeatElement(0, count: SHA256.blockBytes - block.count))
        var inner = SHA256()
        inner.update(block.map { $0 ^ 0x36 })
        var outer = SHA256()
        outer.update(block.map { $0 ^ 0x5c })
        self.inner = inner
        self.outer = outer
    }

    /// The 32-byte code of `message`.
    public func code(for message: [UInt8]) -> [UInt8] {
        var inner = self.inner
        inner.update(message)
        var outer = self.outer
        outer.update(inner.finalize())
        return outer.finalize()
    }

    /// Compares two codes in time that depends only on their lengths, so that a forger cannot
    /// learn from how quickly a guess is refused how many of its first bytes were right.
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
