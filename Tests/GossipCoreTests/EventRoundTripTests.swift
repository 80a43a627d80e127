import Testing

@testable import GossipCore

/// Every event, written as a human line and as a JSON line, reads back as the same event, with
/// its time, level and node: the two forms cannot disagree, and no value, however hostile,
/// breaks a line or reads back as something else (docs/LOGS.md).
@Suite("Events read back")
struct EventRoundTripTests {
    static let texts: [String] = [
        "closed", "", "x\r\u{1B}[2KRemoved peer 127.0.0.1:6009: dead (forged); 0 peers listed\r",
        #"quote " and back\slash \" \\ \u{41}"#, "\u{E9}\u{301} \u{202E} \u{1F600} \n\t\0 \u{7F}", "ends in a quote\"",
        "\"starts with one", "a: b; c (d) ): ", " leading and trailing ", "{message:m} {n}", ", ", "?", "(none)",
    ]
    static let addresses: [NodeAddress] = [
        NodeAddress(host: .loopback, port: 6001), try! NodeAddress(parsing: "[::1]:5001"),
        try! NodeAddress(parsing: "10.0.0.255:65535"),
    ]
    static let messages: [GossipMessage] = [
        GossipMessage(timestamp: Timestamp(milliseconds: 1_795_287_680_731), origin: addresses[0], sequence: 3),
        GossipMessage(timestamp: Timestamp(milliseconds: 5), origin: addresses[1], sequence: 1_000_000),
    ]
    static let counts = [0, 3, 1_000_000, -1]
    static let durations: [Duration] = [.zero, .milliseconds(2500), .milliseconds(125), .seconds(13), .milliseconds(1), .nanoseconds(238_417_113), .seconds(-3)]

    static func sample(_ type: EventValue.Kind, _ variant: Int) -> EventValue {
        switch type {
        case .address: .address(addresses[variant % addresses.count])
        case .optionalAddress: .optionalAddress(variant % 3 == 2 ? nil : addresses[variant % addresses.count])
        case .addresses: .addresses(Array(addresses.prefix(variant % (addresses.count + 1))))
        case .message: .message(messages[variant % messages.count])
        case .count: .count(counts[variant % counts.count])
        case .duration: .duration(durations[variant % durations.count])
        case .text: .text(texts[variant % texts.count])
        }
    }

    /// Events of every kind, each with many sample values (every hostile text in every text field).
    static var samples: [NodeEvent] {
        EventKind.allCases.flatMap { kind -> [NodeEvent] in
            let fields = EventTemplate.table[kind.rawValue].fields
            return (0..<texts.count).compactMap { variant in
                let values = fields.map { field -> EventValue in
                    if kind == .linked, field.type == .text {
                        let origins = LinkOrigin.allCases
                        return .text(origins[variant % origins.count].rawValue)
                    }
                    return sample(field.type, variant)
                }
                return NodeEvent(kind: kind, values: values)
            }
        }
    }

    @Test("every kind has samples, and its values come back in template order")
    func everyKindIsSampled() {
        let samples = Self.samples
        #expect(Set(samples.map(\.kind)) == Set(EventKind.allCases))
        for event in samples {
            var values: [EventValue] = []
            event.forEachValue { values.append($0) }
            #expect(NodeEvent(kind: event.kind, values: values) == event)
            #expect(values.map(\.kind) == EventTemplate.table[event.kind.rawValue].fields.map(\.type), "\(event.kind)")
        }
    }

    @Test("a human line and a JSON line of every event read back as the same record", arguments: [false, true])
    func humanAndJSONAgree(withNode: Bool) throws {
        let time = "2026-11-22 07:41:09.123456"
        let node = withNode ? Self.addresses[1] : nil
        for event in Self.samples {
            var human: [UInt8] = []
            EventRenderer.appendHuman(event, time: Array(time.utf8), node: node, into: &human)
            var json: [UInt8] = []
            EventRenderer.appendJSON(event, time: Array(time.utf8), node: node, into: &json)
            for line in [human, json] {
                #expect(
                    line.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, "one printable line: \(String(decoding: line, as: UTF8.self))")
            }
            let expected = LogRecord(time: time, level: event.level, node: node, event: event)
            let fromHuman = EventParser.record(Substring(String(decoding: human, as: UTF8.self)))
            let fromJSON = EventParser.record(Substring(String(decoding: json, as: UTF8.self)))
            #expect(fromHuman == expected, "\(String(decoding: human, as: UTF8.self))")
            #expect(fromJSON == expected, "\(String(decoding: json, as: UTF8.self))")
            #expect(fromHuman == fromJSON)
        }
    }

    @Test("the hot line reads as the specification's receipt, with its level")
    func receivedLine() throws {
        let event = NodeEvent.received(Self.messages[0], from: Self.addresses[0], forwardedTo: 3)
        var human: [UInt8] = []
        EventRenderer.appendHuman(event, time: Array("2026-11-22 07:41:09.123456".utf8), node: nil, into: &human)
        #expect(
            String(decoding: human, as: UTF8.self)
                == "2026-11-22 07:41:09.123456 INFO  Received 1795287680.731:127.0.0.1:6001:3 from 127.0.0.1:6001; forwarded to 3"
        )
        var json: [UInt8] = []
        EventRenderer.appendJSON(event, time: Array("2026-11-22 07:41:09.123456".utf8), node: Self.addresses[0], into: &json)
        #expect(
            String(decoding: json, as: UTF8.self)
                == #"{"time":"2026-11-22 07:41:09.123456","level":"info","node":"127.0.0.1:6001","event":"received","message":"1795287680.731:127.0.0.1:6001:3","from":"127.0.0.1:6001","forwardedTo":3}"#
        )
    }

    @Test("lines that are not what the renderer writes are nothing, not a guess")
    func strangersAreNil() {
        for line in [
            "", "hello", "2026-11-22 07:41:09.123456 INFO  Received nonsense", "2026-11-22 07:41:09.123456 INFO  Stopped ",
            "2026-11-22 07:41:09.123456 NOTE  Stopped", "2026-11-22 07:41:09.12345 INFO  Stopped", #"{"time":1}"#,
            #"{"time":"2026-11-22 07:41:09.123456","level":"info","node":null,"event":"stopped","extra":1}"#,
            #"{"time":"2026-11-22 07:41:09.123456","level":"info","node":null,"event":"nosuch"}"#,
            #"{"time":"2026-11-22 07:41:09.123456","level":"info","node":null,"event":"stopped"} x"#,
        ] {
            #expect(EventParser.record(line[...]) == nil, "\(line)")
        }
        #expect(
            EventParser.record(#"{"time":"2026-11-22 07:41:09.123456","level":"info","node":null,"event":"stopped"}"#)
                == LogRecord(time: "2026-11-22 07:41:09.123456", level: .info, node: nil, event: .stopped))
    }
}

@Suite("Event kind names")
struct EventKindNameTests {
    @Test("each kind's written-out name is its case's name")
    func namesMatchTheCases() {
        #expect(EventKind.names.count == EventKind.allCases.count)
        for kind in EventKind.allCases { #expect(kind.name == String(describing: kind)) }
    }
}
