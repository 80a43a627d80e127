import Testing

@testable import GossipCore

/// RFC 4231's HMAC-SHA-256 test cases 1 to 7, keys and data in hex as the RFC prints them.
@Suite("HMAC-SHA-256 (RFC 4231)")
struct HMACSHA256Tests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var key: [UInt8]
        var data: [UInt8]
        var code: String
        var testDescription: String { name }
    }

    static let vectors: [Vector] = [
        Vector(
            name: "case 1: 20-byte key", key: unhex(String(repeating: "0b", count: 20)), data: unhex("4869205468657265"),
            code: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        Vector(
            name: "case 2: a key shorter than the code", key: unhex("4a656665"),
            data: unhex("7768617420646f2079612077616e7420666f72206e6f7468696e673f"),
            code: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        Vector(
            name: "case 3: combined length of key and data over 64 bytes",
            key: unhex(String(repeating: "aa", count: 20)), data: unhex(String(repeating: "dd", count: 50)),
            code: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        Vector(
            name: "case 4: combined length over 64 bytes, another key",
            key: unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"), data: unhex(String(repeating: "cd", count: 50)),
            code: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        Vector(
            name: "case 6: a key larger than a block (hashed first)", key: unhex(String(repeating: "aa", count: 131)),
            data: unhex(
                "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374"),
            code: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        Vector(
            name: "case 7: a key and data larger than a block", key: unhex(String(repeating: "aa", count: 131)),
            data: unhex(
                "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e"
            ),
            code: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    @Test("the RFC's code for each case", arguments: vectors)
    func vector(_ vector: Vector) {
        #expect(hex(HMACSHA256(key: vector.key).code(for: vector.data)) == vector.code)
    }

    @Test("case 5: the code truncated to 128 bits")
    func truncated() {
        let code = HMACSHA256(key: unhex(String(repeating: "0c", count: 20))).code(
            for: unhex("546573742057697468205472756e636174696f6e"))
        #expect(hex(Array(code.prefix(16))) == "a3b6167473100ee06e0c796c2955552b")
    }

    @Test("one key serves many messages: the padded key state is not consumed")
    func reuse() {
        let mac = HMACSHA256(key: unhex(String(repeating: "0b", count: 20)))
        _ = mac.code(for: bytes("something else first"))
        #expect(hex(mac.code(for: bytes("Hi There"))) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    @Test("codes compare equal only when every byte is equal")
    func comparison() {
        let code = HMACSHA256(key: bytes("Jefe")).code(for: bytes("x"))
        #expect(HMACSHA256.equal(code, code))
        for index in code.indices {
            var other = code
            other[index] ^= 0x01
            #expect(!HMACSHA256.equal(code, other))
        }
        #expect(!HMACSHA256.equal(code, Array(code.prefix(31))))
    }
}
