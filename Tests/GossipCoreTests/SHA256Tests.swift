import Testing

@testable import GossipCore

/// Hex text to bytes, for the vectors as the standards print them (spaces ignored).
func unhex(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8.filter { $0 != 32 })
    return stride(from: 0, to: digits.count, by: 2).map {
        UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)!
    }
}

func hex(_ bytes: [UInt8]) -> String { AuthLine.hex(bytes) }

/// FIPS 180-4's SHA-256 examples (NIST's "SHA256.pdf" example values; the million 'a's from
/// FIPS 180-2, appendix B.3), and the block-boundary lengths around them.
@Suite("SHA-256 (FIPS 180-4)")
struct SHA256Tests {
    @Test("one block: \"abc\"")
    func oneBlock() {
        #expect(hex(SHA256.hash(bytes("abc"))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("two blocks: the 448-bit message")
    func twoBlocks() {
        let message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(hex(SHA256.hash(bytes(message))) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("a million 'a's, fed in uneven pieces")
    func millionA() {
        var hasher = SHA256()
        var left = 1_000_000
        var piece = 1
        while left > 0 {
            let count = min(piece, left)
            hasher.update(repeatElement(UInt8(ascii: "a"), count: count))
            left -= count
            piece = piece % 997 + 13
        }
        #expect(hex(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("the empty message")
    func empty() {
        #expect(hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("padding at the block boundaries: 55, 56, 63 and 64 bytes")
    func boundaries() {
        // Values from coreutils' sha256sum on the same inputs.
        let expected = [
            55: "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            56: "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            63: "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34",
            64: "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
        ]
        for (count, digest) in expected {
            #expect(hex(SHA256.hash(repeatElement(UInt8(ascii: "a"), count: count))) == digest, "\(count) bytes")
        }
    }
}
