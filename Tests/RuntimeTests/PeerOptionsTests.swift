import Testing

import GossipCore
import GossipOptions
@testable import GossipRuntime

@Suite("PeerOptions")
struct PeerOptionsTests {
    /// The defaults with one change.
    static func options(_ change: (inout PeerOptions) -> Void) -> PeerOptions {
        var options = PeerOptions()
        change(&options)
        return options
    }

    static let everyOption: [([String], PeerOptions)] = [
        (["--port", "6001"], options { $0.port = 6001 }),
        (["--port", "0"], options { $0.port = 0 }),
        (["--host", "::1"], options { $0.host = .ipv6(groups: [0, 0, 0, 0, 0, 0, 0, 1]) }),
        (["--host", "10.0.0.2"], options { $0.host = .ipv4(10, 0, 0, 2) }),
        (["--host", "localhost"], options { $0.hostName = "localhost" }),
        (["--advertise", "10.0.0.5"], options { $0.advertise = .address(.ipv4(10, 0, 0, 5)) }),
        (["--advertise", "node-1.lan"], options { $0.advertise = .name("node-1.lan") }),
        (["--config", "seeds.txt"], options { $0.configPath = "seeds.txt" }),
        (["--log-dir", "/tmp/logs"], options { $0.logDirectory = "/tmp/logs" }),
        (["--rng-seed", "42"], options { $0.rngSeed = 42 }),
        (["--log-format", "json"], options { $0.logFormat = .json }),
        (["--console-level", "debug"], options { $0.consoleLevel = .debug }),
        (["--console-level", "warning"], options { $0.consoleLevel = .warning }),
        (["--messages", "0"], options { $0.timing.messages = 0 }),
        (["--gossip-interval", "200ms"], options { $0.timing.gossipInterval = .milliseconds(200) }),
        (["--liveness-interval", "2s"], options { $0.timing.livenessInterval = .seconds(2) }),
        (["--liveness-misses", "5"], options { $0.timing.livenessMisses = 5 }),
        (["--max-links", "3"], options { $0.timing.maxLinks = 3 }),
        (["--max-inbound", "7"], options { $0.timing.maxInbound = 7 }),
    ]

    @Test("no arguments give the defaults")
    func defaults() throws {
        let options = try PeerOptions(parsing: [])
        #expect(options == PeerOptions())
        #expect(options.port == nil)
        #expect(options.host == .loopback)
        #expect(options.configPath == "config.txt")
        #expect(options.logDirectory == "logs")
        #expect(options.timing == PeerTiming())
    }

    @Test("each option sets its field", arguments: everyOption)
    func eachOption(arguments: [String], expected: PeerOptions) throws {
        #expect(try PeerOptions(parsing: arguments) == expected)
    }

    @Test("each option also takes the --name=value form", arguments: everyOption)
    func equalsForm(arguments: [String], expected: PeerOptions) throws {
        #expect(try PeerOptions(parsing: ["\(arguments[0])=\(arguments[1])"]) == expected)
    }

    @Test("several options combine")
    func severalOptions() throws {
        let options = try PeerOptions(parsing: ["--port=6001", "--messages", "3", "--gossip-interval=0.5"])
        #expect(options.port == 6001)
        #expect(options.timing.messages == 3)
        #expect(options.timing.gossipInterval == .milliseconds(500))
    }

    @Test("the log options default to human lines and an info console, and refuse other values")
    func logOptions() {
        #expect(PeerOptions().logFormat == .human && PeerOptions().consoleLevel == .info)
        #expect(throws: UsageError("--log-format takes human or json, not 'xml'")) { try PeerOptions(parsing: ["--log-format", "xml"]) }
        #expect(throws: UsageError("--console-level takes debug, info, warning or error, not 'loud'")) {
            try PeerOptions(parsing: ["--console-level", "loud"])
        }
    }

    @Test("an unknown option is a usage error naming it")
    func unknownOption() {
        #expect(throws: UsageError("unknown option --colour")) { try PeerOptions(parsing: ["--colour", "red"]) }
    }

    @Test("an unknown option in the --name=value form is a usage error naming it")
    func unknownOptionEqualsForm() {
        #expect(throws: UsageError("unknown option --colour")) { try PeerOptions(parsing: ["--colour=red"]) }
    }

    @Test("an argument that is not an option is a usage error naming it")
    func positionalArgument() {
        let error = #expect(throws: UsageError.self) { try PeerOptions(parsing: ["6001"]) }
        #expect(error?.description.contains("'6001'") == true)
    }

    @Test("an option without its value is a usage error naming it")
    func missingValue() {
        #expect(throws: UsageError("--port needs a value")) { try PeerOptions(parsing: ["--port"]) }
    }

    @Test(
        "an out-of-range value is a usage error naming the option",
        arguments: [
            ("--liveness-misses", "0"), ("--gossip-interval", "0"), ("--liveness-interval", "0ms"),
            ("--port", "65536"), ("--max-links", "0"), ("--max-inbound", "0"), ("--messages", "-1"),
            ("--gossip-interval", "soon"), ("--host", "1.2.3.999"), ("--host", "bad_name"), ("--rng-seed", "-1"),
            ("--advertise", "-x"),
        ])
    func badValue(option: String, value: String) {
        let error = #expect(throws: UsageError.self) { try PeerOptions(parsing: [option, value]) }
        #expect(error?.description.contains(option) == true)
    }

    // MARK: Timing

    @Test("timing arguments parse back to the same timing")
    func timingRoundTrip() throws {
        var timing = PeerTiming()
        timing.messages = 12
        timing.gossipInterval = .milliseconds(250)
        timing.livenessInterval = .seconds(13)
        timing.livenessMisses = 4
        timing.maxLinks = 2
        timing.maxInbound = 9
        #expect(try PeerOptions(parsing: timing.arguments).timing == timing)
    }

    @Test("an empty timing gives no arguments")
    func emptyTimingArguments() {
        #expect(PeerTiming().arguments == [])
    }

    @Test("a sub-millisecond interval that parses also survives the round trip")
    func subMillisecondRoundTrip() throws {
        var timing = PeerTiming()
        timing.gossipInterval = DurationText.parse("0.0005")
        let parsed = try PeerOptions(parsing: timing.arguments)
        #expect(parsed.timing == timing)
    }

    @Test("the timing is applied to the settings")
    func timingApplied() throws {
        let options = try PeerOptions(parsing: ["--messages", "2", "--liveness-misses", "5", "--max-links", "1"])
        let settings = try options.settings(address: addr("127.0.0.1:6001"), seeds: [addr("127.0.0.1:5001")])
        #expect(settings.messageCount == 2)
        #expect(settings.livenessMisses == 5)
        #expect(settings.maxLinks == 1)
        #expect(settings.gossipInterval == .seconds(5))
    }

    @Test("settings that break an invariant are a usage error naming the option")
    func invalidSettings() throws {
        let options = try PeerOptions(parsing: ["--liveness-interval", "10m", "--liveness-misses", "3"])
        let error = #expect(throws: UsageError.self) {
            try options.settings(address: addr("127.0.0.1:6001"), seeds: [addr("127.0.0.1:5001")])
        }
        #expect(error?.description.hasPrefix("--liveness-interval") == true)
    }
}
