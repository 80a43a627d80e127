import Glibc
import GossipCore
import Testing

@testable import GossipRuntime

@Suite struct LogSinkTests {
    @Test func flushedLinesReachTheFileWithTheirTime() throws {
        var template = Array("/tmp/gossip-log-test-XXXXXX".utf8CString)
        let directory = String(cString: try #require(mkdtemp(&template)))
        defer { rmdir(directory) }
        let sink = try LogSink(directory: directory, fileName: "log.txt", console: false)
        defer { unlink(sink.path) }
        sink.setTime(microseconds: 1_795_287_680_123_456)
        sink.write("first line")
        sink.write("second line")
        #expect(try Files.read(sink.path).isEmpty, "nothing is written before the flush")
        sink.flush()
        let lines = LogText.lines(in: try Files.read(sink.path))
        #expect(lines.count == 2)
        #expect(lines.first?.hasSuffix(".123456 first line") == true)
        #expect(lines.last?.hasSuffix(".123456 second line") == true)
    }
}
