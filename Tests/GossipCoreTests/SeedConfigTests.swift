import Testing

@testable import GossipCore

@Suite("SeedConfig")
struct SeedConfigTests {
    @Test("reads one address a line, in file order")
    func addressesInOrder() throws {
        let config = try SeedConfig(parsing: "127.0.0.1:5001\n127.0.0.1:5002\n127.0.0.1:5003\n", file: "config.txt")
        #expect(config.seeds == [addr("127.0.0.1:5001"), addr("127.0.0.1:5002"), addr("127.0.0.1:5003")])
    }

    @Test("skips comment lines, blank lines and comments after an address")
    func commentsAndBlankLines() throws {
        let text = """
            # the seeds
            127.0.0.1:5001

            127.0.0.1:5002   # the second one
               \t
            """
        #expect(try SeedConfig(parsing: text, file: "config.txt").seeds == [addr("127.0.0.1:5001"), addr("127.0.0.1:5002")])
    }

    @Test("trims spaces and tabs around an address")
    func whitespace() throws {
        let config = try SeedConfig(parsing: "  127.0.0.1:5001\t\n\t127.0.0.1:5002 \n", file: "config.txt")
        #expect(config.seeds == [addr("127.0.0.1:5001"), addr("127.0.0.1:5002")])
    }

    @Test("reads a file with CRLF line endings")
    func crlfLineEndings() throws {
        let config = try SeedConfig(parsing: "127.0.0.1:5001\r\n127.0.0.1:5002\r\n", file: "config.txt")
        #expect(config.seeds == [addr("127.0.0.1:5001"), addr("127.0.0.1:5002")])
    }

    @Test("reads bracketed IPv6 addresses")
    func ipv6() throws {
        let config = try SeedConfig(parsing: "[::1]:5001\n[2001:DB8::1]:5002\n", file: "config.txt")
        #expect(config.seeds == [addr("[::1]:5001"), addr("[2001:db8::1]:5002")])
    }

    @Test("a bad address is reported with the file and its line number")
    func badAddressNamesLine() {
        let text = "# seeds\n127.0.0.1:5001\n\n127.0.0.1\n"
        let error = #expect(throws: ConfigError.self) { try SeedConfig(parsing: text, file: "seeds.txt") }
        #expect(error?.file == "seeds.txt")
        #expect(error?.line == 4)
        #expect(error?.description.hasPrefix("seeds.txt:4: ") == true)
    }

    @Test("the problem with a bad address is the address error")
    func badAddressProblem() {
        #expect(throws: ConfigError(file: "c", line: 1, problem: AddressError.badPort("127.0.0.1:0").description)) {
            try SeedConfig(parsing: "127.0.0.1:0", file: "c")
        }
    }

    @Test("a seed listed twice is rejected at its second line")
    func duplicate() {
        let error = #expect(throws: ConfigError.self) {
            try SeedConfig(parsing: "127.0.0.1:5001\n127.0.0.2:5001\n127.0.0.1:5001\n", file: "config.txt")
        }
        #expect(error?.line == 3)
        #expect(error?.problem.contains("127.0.0.1:5001") == true)
    }

    @Test("a seed listed twice in two IPv6 spellings is rejected")
    func duplicateSpellings() {
        let error = #expect(throws: ConfigError.self) {
            try SeedConfig(parsing: "[::1]:5001\n[0:0:0:0:0:0:0:1]:5001\n", file: "config.txt")
        }
        #expect(error?.line == 2)
    }

    @Test("one host on two ports is two seeds")
    func sameHostTwoPorts() throws {
        #expect(try SeedConfig(parsing: "127.0.0.1:5001\n127.0.0.1:5002", file: "c").seeds.count == 2)
    }

    @Test("an empty file is rejected, naming the file and no line")
    func emptyFile() {
        #expect(throws: ConfigError(file: "config.txt", line: nil, problem: "no seed addresses in the file")) {
            try SeedConfig(parsing: "", file: "config.txt")
        }
    }

    @Test("a file of only comments and blank lines is rejected")
    func onlyComments() {
        let error = #expect(throws: ConfigError.self) {
            try SeedConfig(parsing: "# nothing here\n\n   \n", file: "config.txt")
        }
        #expect(error != nil && error?.line == nil)
        #expect(error?.description.hasPrefix("config.txt: ") == true)
    }
}

@Suite("SeedConfig with host names")
struct SeedConfigNameTests {
    /// A resolver that knows two names, as the shell's would after a lookup.
    static func resolve(_ name: String) -> Result<NodeAddress.Host, HostName.Failure> {
        switch name {
        case "localhost": return .success(.loopback)
        case "seed2.lan": return .success(.ipv4(10, 0, 0, 2))
        default: return .failure(HostName.Failure("cannot resolve '\(name)': unknown"))
        }
    }

    @Test func namedLinesAreResolvedByTheGivenResolver() throws {
        let config = try SeedConfig(parsing: "localhost:5001\nseed2.lan:5002\n127.0.0.1:5003\n", file: "c", resolve: Self.resolve)
        #expect(config.seeds.map(\.description) == ["127.0.0.1:5001", "10.0.0.2:5002", "127.0.0.1:5003"])
    }

    @Test func withoutAResolverANameIsABadLine() {
        #expect(throws: ConfigError.self) { try SeedConfig(parsing: "localhost:5001\n", file: "c") }
    }

    @Test func aNameThatDoesNotResolveNamesTheFileAndLine() {
        let error = #expect(throws: ConfigError.self) {
            try SeedConfig(parsing: "# seeds\nnowhere.lan:5001\n", file: "config.txt", resolve: Self.resolve)
        }
        #expect(error?.description == "config.txt:2: cannot resolve 'nowhere.lan': unknown")
    }

    @Test func theSameSeedByNameAndAddressIsListedTwice() {
        #expect(throws: ConfigError.self) {
            try SeedConfig(parsing: "localhost:5001\n127.0.0.1:5001\n", file: "c", resolve: Self.resolve)
        }
    }

    @Test(arguments: ["localhost", "a.b-c.d", "node1"])
    func validNames(name: String) { #expect(HostName.isValid(name)) }

    @Test(arguments: ["", "-a", "a-", "a..b", "1.2.3.999", "bad_name", "a b", String(repeating: "a", count: 64)])
    func invalidNames(name: String) { #expect(!HostName.isValid(name)) }
}
