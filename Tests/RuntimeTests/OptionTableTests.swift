import GossipCore
import GossipOptions
import Testing

@testable import GossipRuntime

/// One list per program: its help is generated from it, and its parser takes exactly what it lists.
@Suite("Option tables")
struct OptionTableTests {
    /// A value of the kind an option's help names.
    static func sample(_ spec: OptionSpec) -> [String] {
        switch spec.value {
        case "": return [spec.name]
        case "D": return [spec.name, "2s"]
        case "ADDR": return [spec.name, "127.0.0.1"]
        case "FILE", "DIR": return [spec.name, "somewhere"]
        case "human|json": return [spec.name, "json"]
        case "LEVEL": return [spec.name, "warning"]
        default: return [spec.name, "3"]
        }
    }

    @Test("every option the peer's help lists, the parser takes", arguments: PeerOptions.table.options)
    func peerTakesWhatItsHelpLists(spec: OptionSpec) throws {
        _ = try PeerOptions(parsing: Self.sample(spec))
    }

    @Test("every option the seed's help lists, the parser takes", arguments: SeedOptions.table.options)
    func seedTakesWhatItsHelpLists(spec: OptionSpec) throws {
        _ = try SeedOptions(parsing: Self.sample(spec))
    }

    @Test("an option the table does not list is refused, even one another program takes")
    func unlistedIsRefused() {
        #expect(throws: UsageError("unknown option --max-peers")) { try PeerOptions(parsing: ["--max-peers", "3"]) }
        #expect(throws: UsageError("unknown option --messages")) { try SeedOptions(parsing: ["--messages", "3"]) }
    }

    @Test("the help shows each option with its value, meaning and default")
    func helpShowsEveryOption() {
        let text = PeerOptions.usage
        #expect(text.hasPrefix("usage: peer"))
        // The text as one line: a meaning may be wrapped anywhere.
        let flat = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        for spec in PeerOptions.table.options {
            #expect(text.contains("  " + spec.name + (spec.value.isEmpty ? "" : " " + spec.value)))
            #expect(flat.contains(spec.meaning + " (default: " + spec.defaultText + ")"), "\(spec.name)")
        }
        #expect(text.contains("--gossip-interval D"))
        #expect(text.contains("(default: 5s)"))
    }

    @Test("a long meaning wraps under its column")
    func wrapping() {
        let lines = OptionTable.wrap(String(repeating: "word ", count: 40), width: 30)
        #expect(lines.count > 1 && lines.allSatisfy { $0.count <= 30 })
    }

    @Test("a unitless duration of a minute or more is stated back; with a unit, or short, it is not")
    func suspiciousDurations() throws {
        let long = try PeerOptions(parsing: ["--gossip-interval", "200"])
        #expect(long.timing.gossipInterval == .seconds(200))
        #expect(long.notes.count == 1)
        #expect(long.notes.first?.contains("--gossip-interval 200 has no unit and is read as 200 seconds") == true)
        #expect(try PeerOptions(parsing: ["--gossip-interval", "0.2"]).notes.isEmpty)
        #expect(try PeerOptions(parsing: ["--gossip-interval", "200ms"]).notes.isEmpty)
        #expect(try PeerOptions(parsing: ["--liveness-interval", "2m"]).notes.isEmpty)
    }

    @Test("localhost resolves to the IPv4 loopback address")
    func localhost() throws {
        #expect(try HostResolver.resolve("localhost").get() == .loopback)
    }

    @Test("a name that does not resolve is a sentence naming it")
    func unresolvable() {
        guard case .failure(let failure) = HostResolver.resolve("no-such-host.invalid") else {
            Issue.record("resolved")
            return
        }
        #expect(failure.description.hasPrefix("cannot resolve 'no-such-host.invalid'"))
    }
}
