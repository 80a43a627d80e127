import Testing

import GossipCore
import GossipOptions
@testable import GossipRuntime

@Suite("DurationText")
struct DurationTextTests {
    @Test(
        "parses decimal seconds and numbers with a unit",
        arguments: [
            ("0.2", Duration.milliseconds(200)),
            ("200ms", .milliseconds(200)),
            ("2s", .seconds(2)),
            ("1m", .seconds(60)),
            ("13", .seconds(13)),
            ("1.5s", .milliseconds(1500)),
            ("0", .zero),
        ])
    func parses(text: String, expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test(
        "rejects what is not a duration", arguments: ["", "abc", "-1", "1h", "ms", "s", ".", "1.2.3", "1e3", " 1s", "2 s", "+1"])
    func rejects(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test(
        "formats whole seconds in s and the rest in ms",
        arguments: [
            (Duration.seconds(13), "13s"), (.milliseconds(200), "200ms"), (.milliseconds(1500), "1500ms"), (.seconds(60), "60s"),
        ])
    func formats(duration: Duration, text: String) {
        #expect(DurationText.format(duration) == text)
    }

    @Test(
        "parses what it formats", arguments: [Duration.milliseconds(1), .milliseconds(200), .seconds(5), .milliseconds(13_001)])
    func roundTrip(duration: Duration) {
        #expect(DurationText.parse(DurationText.format(duration)) == duration)
    }
}
