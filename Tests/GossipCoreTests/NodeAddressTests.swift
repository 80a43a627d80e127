import Testing

@testable import GossipCore

@Suite("NodeAddress")
struct NodeAddressTests {
    // MARK: Parsing and printing

    @Test("an IPv4 address parses into its octets and port and prints back unchanged")
    func ipv4RoundTrip() throws {
        let address = try NodeAddress(parsing: "192.168.1.20:5001")
        #expect(address.host == .ipv4(192, 168, 1, 20))
        #expect(address.port == 5001)
        #expect(address.description == "192.168.1.20:5001")
    }

    @Test("a bracketed IPv6 address parses into its groups and port and prints back unchanged")
    func ipv6RoundTrip() throws {
        let address = try NodeAddress(parsing: "[2001:db8::1]:5001")
        #expect(address.host == .ipv6(groups: [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]))
        #expect(address.port == 5001)
        #expect(address.description == "[2001:db8::1]:5001")
    }

    @Test(
        "IPv6 prints in RFC 5952 canonical form",
        arguments: [
            ("[0:0:0:0:0:0:0:1]:5", "[::1]:5"),
            ("[2001:0db8:0000:0000:0000:0000:0000:0001]:5", "[2001:db8::1]:5"),
            ("[2001:0:0:1:0:0:0:1]:5", "[2001:0:0:1::1]:5"),
            ("[2001:db8:0:0:1:0:0:1]:5", "[2001:db8::1:0:0:1]:5"),
            ("[2001:db8:0:1:1:1:1:1]:5", "[2001:db8:0:1:1:1:1:1]:5"),
            ("[2001:DB8::ABCD]:5", "[2001:db8::abcd]:5"),
            ("[0:0:0:0:0:0:0:0]:5", "[::]:5"),
            ("[1:0:0:0:0:0:0:0]:5", "[1::]:5"),
        ])
    func canonicalIPv6(input: String, printed: String) throws {
        #expect(try NodeAddress(parsing: input).description == printed)
    }

    @Test("two spellings of one IPv6 address are equal")
    func spellingsCompareEqual() throws {
        #expect(try NodeAddress(parsing: "[0:0:0:0:0:0:0:1]:5") == NodeAddress(parsing: "[::1]:5"))
    }

    @Test("addresses sort IPv4 before IPv6, then by host, then by port")
    func ordering() {
        let sorted = [addr("[::1]:1"), addr("127.0.0.1:20"), addr("127.0.0.1:3"), addr("10.0.0.1:9")].sorted()
        #expect(sorted == [addr("10.0.0.1:9"), addr("127.0.0.1:3"), addr("127.0.0.1:20"), addr("[::1]:1")])
    }

    // MARK: Rejections

    @Test("an IPv4 address without a port is rejected as missingPort")
    func ipv4WithoutPort() {
        #expect(throws: AddressError.missingPort("127.0.0.1")) { try NodeAddress(parsing: "127.0.0.1") }
    }

    @Test("a bracketed IPv6 address without a port is rejected as missingPort")
    func ipv6WithoutPort() {
        #expect(throws: AddressError.missingPort("[::1]")) { try NodeAddress(parsing: "[::1]") }
    }

    @Test("port 0 is rejected as badPort")
    func portZero() {
        #expect(throws: AddressError.badPort("127.0.0.1:0")) { try NodeAddress(parsing: "127.0.0.1:0") }
    }

    @Test("port 65536 is rejected as badPort")
    func portTooLarge() {
        #expect(throws: AddressError.badPort("127.0.0.1:65536")) { try NodeAddress(parsing: "127.0.0.1:65536") }
    }

    @Test("port 65535 is accepted")
    func largestPort() throws {
        #expect(try NodeAddress(parsing: "127.0.0.1:65535").port == 65535)
    }

    @Test("an octet of 256 is rejected as badIPv4")
    func octetTooLarge() {
        #expect(throws: AddressError.badIPv4("127.0.0.256")) { try NodeAddress(parsing: "127.0.0.256:5") }
    }

    @Test("five octets are rejected as badIPv4")
    func fiveOctets() {
        #expect(throws: AddressError.badIPv4("1.2.3.4.5")) { try NodeAddress(parsing: "1.2.3.4.5:5") }
    }

    @Test("a leading '+' on an octet is rejected as badIPv4")
    func plusOnOctet() {
        #expect(throws: AddressError.badIPv4("+1.2.3.4")) { try NodeAddress(parsing: "+1.2.3.4:5") }
    }

    @Test("a leading '+' on a port is rejected as badPort")
    func plusOnPort() {
        #expect(throws: AddressError.badPort("1.2.3.4:+5")) { try NodeAddress(parsing: "1.2.3.4:+5") }
    }

    @Test("a leading '+' on an IPv6 group is rejected as badIPv6")
    func plusOnGroup() {
        #expect(throws: AddressError.badIPv6("[+1::2]")) { try NodeAddress(parsing: "[+1::2]:5") }
    }

    @Test("an IPv6 address with a port but without brackets is rejected with a hint to add them")
    func unbracketedIPv6() {
        #expect(throws: AddressError.unbracketedIPv6("fe80::1:5001")) { try NodeAddress(parsing: "fe80::1:5001") }
        #expect(throws: AddressError.unbracketedIPv6("::1:5001")) { try NodeAddress(parsing: "::1:5001") }
    }

    @Test("an IPv6 address with two '::' is rejected as badIPv6")
    func twoDoubleColons() {
        #expect(throws: AddressError.badIPv6("[1::2::3]")) { try NodeAddress(parsing: "[1::2::3]:5") }
    }

    @Test("nine IPv6 groups are rejected as badIPv6")
    func tooManyGroups() {
        #expect(throws: AddressError.badIPv6("[1:2:3:4:5:6:7:8:9]")) { try NodeAddress(parsing: "[1:2:3:4:5:6:7:8:9]:5") }
    }

    @Test("'::' standing for no group at all (eight groups besides) is rejected as badIPv6")
    func doubleColonWithEightGroups() {
        #expect(throws: AddressError.badIPv6("[1:2:3:4::5:6:7:8]")) { try NodeAddress(parsing: "[1:2:3:4::5:6:7:8]:5") }
    }

    @Test("an IPv6 group of five hex digits is rejected as badIPv6")
    func groupTooLong() {
        #expect(throws: AddressError.badIPv6("[12345::1]")) { try NodeAddress(parsing: "[12345::1]:5") }
    }

    @Test("an IPv6 address without its closing bracket is rejected as badIPv6")
    func unclosedBracket() {
        #expect(throws: AddressError.badIPv6("[::1:5")) { try NodeAddress(parsing: "[::1:5") }
    }

    @Test("a further field after the port is rejected as trailing")
    func trailingField() {
        #expect(throws: AddressError.trailing("127.0.0.1:5001:x")) { try NodeAddress(parsing: "127.0.0.1:5001:x") }
        #expect(throws: AddressError.trailing("[::1]:5001,x")) { try NodeAddress(parsing: "[::1]:5001,x") }
    }

    @Test("text glued to the port is rejected as badPort")
    func textAfterPortDigits() {
        #expect(throws: AddressError.badPort("127.0.0.1:5001x")) { try NodeAddress(parsing: "127.0.0.1:5001x") }
    }

    // MARK: Hosts alone

    @Test("parseHost reads IPv4, bare IPv6 and bracketed IPv6")
    func parseHostForms() throws {
        #expect(try NodeAddress.parseHost("127.0.0.1") == .ipv4(127, 0, 0, 1))
        #expect(try NodeAddress.parseHost("::1") == .ipv6(groups: [0, 0, 0, 0, 0, 0, 0, 1]))
        #expect(try NodeAddress.parseHost("[::1]") == .ipv6(groups: [0, 0, 0, 0, 0, 0, 0, 1]))
    }

    @Test("parseHost rejects a name, an empty text and an unclosed bracket")
    func parseHostRejections() {
        #expect(throws: AddressError.badIPv4("localhost")) { try NodeAddress.parseHost("localhost") }
        #expect(throws: AddressError.badIPv4("")) { try NodeAddress.parseHost("") }
        #expect(throws: AddressError.badIPv6("[::1")) { try NodeAddress.parseHost("[::1") }
    }

    @Test("parseHost rejects a host with a port")
    func parseHostWithPort() {
        #expect(throws: AddressError.self) { try NodeAddress.parseHost("127.0.0.1:5001") }
    }
}

/// Issue 11: `[::ffff:127.0.0.1]:p` and `127.0.0.1:p` were two peers to a seed.
@Suite("IPv4-mapped addresses")
struct MappedAddressTests {
    @Test(
        "an IPv4-mapped IPv6 address is its IPv4 address, however it is written",
        arguments: ["[::ffff:127.0.0.1]:6001", "[::FFFF:7f00:1]:6001", "[0:0:0:0:0:ffff:127.0.0.1]:6001", "127.0.0.1:6001"])
    func mappedIsIPv4(text: String) throws {
        let address = try NodeAddress(parsing: text)
        #expect(address == NodeAddress(host: .loopback, port: 6001))
        #expect(address.description == "127.0.0.1:6001")
    }

    @Test("a host built from mapped bits is stored as IPv4")
    func builtMapped() {
        let address = NodeAddress(host: .ipv6(0, 0xFFFF_7F00_0001), port: 1)
        #expect(address.host == .loopback)
    }

    @Test("other IPv6 addresses with a dotted tail stay IPv6")
    func dottedTail() throws {
        #expect(try NodeAddress(parsing: "[64:ff9b::1.2.3.4]:1").description == "[64:ff9b::102:304]:1")
        #expect(try NodeAddress(parsing: "[::1.2.3.4]:1").description == "[::102:304]:1")
        #expect(throws: AddressError.self) { try NodeAddress(parsing: "[::ffff:1.2.3]:1") }
        #expect(throws: AddressError.self) { try NodeAddress(parsing: "[1:2:3:4:5:6:7:1.2.3.4]:1") }
    }
}

/// The one-pass reading of plain IPv4 addresses agrees with the general parser.
@Suite("Plain IPv4 fast path")
struct PlainIPv4Tests {
    @Test(arguments: [
        "127.0.0.1:6001", "0.0.0.0:1", "255.255.255.255:65535", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3:4", "1.2.3.4.5:6",
        "01.2.3.4:5", "1.2.3.4:05", "256.1.1.1:1", "1.2.3.4:", ":1", "1.2.3.4:123456", "1..3.4:5", "[::1]:5", "1.2.3.4:5x",
        "1.2.3.4", "10.0.0.10:10",
    ])
    func agrees(text: String) {
        let fast = NodeAddress.plainIPv4(text.utf8)
        let general = try? NodeAddress(parsing: text)
        if let fast { #expect(fast == general) }
        if general != nil, !text.contains("0"), !text.contains("[") { #expect(fast != nil) }
    }
}
