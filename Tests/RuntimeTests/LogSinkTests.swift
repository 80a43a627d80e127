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
        sink.write(.command("first line"))
        sink.write(.command("second line"))
        #expect(try Files.read(sink.path).isEmpty, "nothing is written before the flush")
        sink.flush()
        let records = EventParser.records(inLog: try Files.read(sink.path))
        #expect(records.map(\.event) == [.command("first line"), .command("second line")])
        #expect(records.allSatisfy { $0.time.hasSuffix(".123456") && $0.level == .info && $0.node == nil })
    }

    /// The stamp is formatted in full once a minute and only its seconds move in between: every
    /// second of two minutes, stepped through in order and with jumps, reads as the clock says.
    @Test func eachLineIsStampedWithTheLocalTimeOfItsSecond() throws {
        var template = Array("/tmp/gossip-log-test-XXXXXX".utf8CString)
        let directory = String(cString: try #require(mkdtemp(&template)))
        defer { rmdir(directory) }
        let sink = try LogSink(directory: directory, fileName: "log.txt", console: false)
        defer { unlink(sink.path) }
        let start: Int64 = 1_795_287_630  // 50 s into a minute.
        let seconds = Array(start..<start + 130) + [start + 3_600 + 59, start + 3_600 + 61, start + 86_400, start + 5]
        for second in seconds {
            sink.setTime(microseconds: second * 1_000_000 + 7)
            sink.write(.command("tick"))
        }
        sink.flush()
        let stamps = EventParser.records(inLog: try Files.read(sink.path)).map(\.time)
        #expect(stamps == seconds.map { SystemClock.localSecondText($0) + ".000007" })
    }

    @Test func theBufferIsWrittenWheneverItPassesItsBound() throws {
        var template = Array("/tmp/gossip-log-test-XXXXXX".utf8CString)
        let directory = String(cString: try #require(mkdtemp(&template)))
        defer { rmdir(directory) }
        let sink = try LogSink(directory: directory, fileName: "log.txt", console: nil, flushThreshold: 1000)
        defer { unlink(sink.path) }
        sink.setTime(microseconds: 1_795_287_680_123_456)
        for index in 0..<100 {
            sink.write(.command("line \(index) of a turn that logs a great deal"))
            #expect(sink.bufferedByteCount < 1000)
        }
        let written = try Files.read(sink.path)
        #expect(written.split(separator: "\n").count >= 90, "written during the turn, before any flush")
        #expect(written.hasSuffix("\n"), "whole lines only")
    }

    /// A console nobody reads (a pipe here) takes what fits; the rest is dropped, counted and
    /// noted in the file, which has every line. The pipe's own descriptor stays blocking (the
    /// console's `O_NONBLOCK` is on a descriptor of its own).
    @Test func aConsoleNobodyReadsNeverBlocksAndTheFileSaysWhatItLost() throws {
        var template = Array("/tmp/gossip-log-test-XXXXXX".utf8CString)
        let directory = String(cString: try #require(mkdtemp(&template)))
        defer { rmdir(directory) }
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer {
            close(ends[0])
            close(ends[1])
        }
        let console = try #require(Console(descriptor: ends[1], procPath: "/proc/self/fd/\(ends[1])"))
        let sink = try LogSink(directory: directory, fileName: "log.txt", console: console)
        defer { unlink(sink.path) }
        sink.setTime(microseconds: 1_795_287_680_123_456)
        // About 1 MB of log, far more than a pipe holds (64 KiB); a blocking console would hang here.
        let line = String(repeating: "x", count: 70)
        for turn in 0..<100 {
            for index in 0..<150 { sink.write(.command("turn \(turn) line \(index) \(line)")) }
            sink.flush()
        }
        #expect(console.droppedBytes > 500_000)
        let file = try Files.read(sink.path)
        #expect(file.split(separator: "\n").filter { $0.contains(" line ") }.count == 15_000, "the file has every line")
        let notes = EventParser.events(inLog: file).filter { if case .consoleDropped = $0 { true } else { false } }
        #expect(notes.count == 1, "the loss is noted in the file, once, not per flush")
        #expect(fcntl(ends[1], F_GETFL) & O_NONBLOCK == 0, "the shared descriptor is left as it was")
        // Someone reads the console at last; the line a short write cut is finished first, and
        // what the console got is whole lines.
        var got: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        func drain() {
            while true {
                let count = chunk.withUnsafeMutableBytes { read(ends[0], $0.baseAddress, $0.count) }
                if count <= 0 { break }
                got += chunk[0..<count]
            }
        }
        drain()
        sink.write(.command("the last line \(line)"))
        sink.flush()
        drain()
        #expect(got.count > 30_000 && got.last == 10, "\(got.count) bytes, the last one \(got.last ?? 0)")
        #expect(String(decoding: got, as: UTF8.self).split(separator: "\n").allSatisfy { $0.hasSuffix(line) })
    }

    /// The file keeps every level; the console only its level and above, each line naming
    /// the node. In JSON both name it.
    @Test(arguments: LogFormat.allCases)
    func theConsoleShowsItsLevelAndUpTheFileEverything(format: LogFormat) throws {
        var template = Array("/tmp/gossip-log-test-XXXXXX".utf8CString)
        let directory = String(cString: try #require(mkdtemp(&template)))
        defer { rmdir(directory) }
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer {
            close(ends[0])
            close(ends[1])
        }
        let console = try #require(Console(descriptor: ends[1], procPath: "/proc/self/fd/\(ends[1])"))
        let node = NodeAddress(host: .loopback, port: 6001)
        let sink = try LogSink(
            directory: directory, fileName: "log.txt", console: console, node: node, format: format, consoleLevel: .warning)
        defer { unlink(sink.path) }
        sink.setTime(microseconds: 1_795_287_680_123_456)
        let peer = NodeAddress(host: .loopback, port: 6002)
        let events: [NodeEvent] = [.livenessAnswered(peer), .linkUpAgain(peer), .linkLost(peer, why: "closed"), .pollFailed("x")]
        for event in events { sink.write(event) }
        sink.flush()
        let file = EventParser.records(inLog: try Files.read(sink.path))
        #expect(file.map(\.event) == events)
        #expect(file.allSatisfy { $0.node == (format == .json ? node : nil) })
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = chunk.withUnsafeMutableBytes { read(ends[0], $0.baseAddress, $0.count) }
        let shown = EventParser.records(inLog: String(decoding: chunk[0..<max(count, 0)], as: UTF8.self))
        #expect(shown.map(\.event) == [.linkLost(peer, why: "closed"), .pollFailed("x")])
        #expect(shown.map(\.level) == [.warning, .error])
        #expect(shown.allSatisfy { $0.node == node })
    }
}
