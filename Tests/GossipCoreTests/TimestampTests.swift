import Testing

@testable import GossipCore

@Suite("Timestamp")
struct TimestampTests {
    @Test("prints Unix seconds with three decimals")
    func format() {
        #expect(Timestamp(milliseconds: 1_795_287_680_731).description == "1795287680.731")
    }

    @Test("pads the milliseconds with zeros to three digits")
    func zeroPadding() {
        #expect(Timestamp(milliseconds: 1_795_287_680_005).description == "1795287680.005")
        #expect(Timestamp(milliseconds: 1_795_287_680_050).description == "1795287680.050")
        #expect(Timestamp(milliseconds: 1_795_287_680_000).description == "1795287680.000")
    }

    @Test(
        "is written into bytes as it prints",
        arguments: [Int64(1_795_287_680_731), 1_795_287_680_005, 1_795_287_680_050, 1_795_287_680_000, 999, 0])
    func writing(milliseconds: Int64) {
        var bytes: [UInt8] = []
        Timestamp(milliseconds: milliseconds).write(into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == Timestamp(milliseconds: milliseconds).description)
    }

    @Test("parses what it prints", arguments: [Int64(1_795_287_680_731), 1_795_287_680_005, 1_795_287_680_000, 0])
    func roundTrip(milliseconds: Int64) {
        let timestamp = Timestamp(milliseconds: milliseconds)
        #expect(Timestamp(parsing: timestamp.description[...]) == timestamp)
    }

    @Test("parses whole seconds")
    func wholeSeconds() {
        #expect(Timestamp(parsing: "1795287680") == Timestamp(milliseconds: 1_795_287_680_000))
    }

    @Test("rejects a text without digits", arguments: ["", ".", ".731", "1795287680."])
    func noDigits(text: String) {
        #expect(Timestamp(parsing: text[...]) == nil)
    }

    @Test("rejects other than three decimals", arguments: ["1795287680.73", "1795287680.7", "1795287680.7310"])
    func wrongDecimals(text: String) {
        #expect(Timestamp(parsing: text[...]) == nil)
    }

    @Test(
        "rejects letters and signs", arguments: ["abc", "17952x7680.731", "1795287680.7a1", "+1795287680.731", "-1.000", "1e9"])
    func letters(text: String) {
        #expect(Timestamp(parsing: text[...]) == nil)
    }

    @Test("adding a duration adds its whole milliseconds")
    func addDuration() {
        #expect(Timestamp(milliseconds: 1000) + .milliseconds(250) == Timestamp(milliseconds: 1250))
    }
}
