import Testing

@testable import GossipCore

/// Log entries written straight into bytes read exactly as their text.
@Suite("Log rendering")
struct LogRenderingTests {
    @Test(arguments: [0, 7, 9, 10, 99, 100, 65535, 1_000_000_007, UInt64.max] as [UInt64])
    func decimalsAreWrittenAsSwiftPrintsThem(_ value: UInt64) {
        var bytes: [UInt8] = Array("x".utf8)
        ASCII.appendDecimal(value, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "x\(value)")
    }

    @Test(arguments: ["127.0.0.1:6001", "0.0.0.0:1", "255.255.255.255:65535", "[::1]:5001", "[2001:db8::7]:80"])
    func addressesAreWrittenAsTheirDescription(_ text: String) throws {
        let address = try NodeAddress(parsing: text)
        var bytes: [UInt8] = []
        address.write(into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == address.description)
    }
}
