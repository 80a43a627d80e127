import GossipCore
import Testing

@testable import GossipRuntime

/// The bounds that keep a node finite whatever its neighbours do, driven in-process.
@Suite struct EventLoopLimitsTests {
    @Test func aConnectionWhoseSendQueueIsFullIsClosedAndTheInstanceTold() throws {
        var limits = EventLoop<ScriptedInstance>.Limits()
        limits.maxQueuedBytes = 64 << 10
        // About 16 KiB a line (an error's text would be cut short to an excerpt).
        let chunk = Message.peerList((1...1000).map { NodeAddress(host: .loopback, port: UInt16(10000 + $0)) })
        // On accepting, and then every millisecond, send 16 KiB to the connection.
        let harness = try LoopHarness(limits: limits, script: { event, now, history in
            let next = Action.schedule(.gossip, at: now.instant + .milliseconds(1))
            switch event {
            case .accepted(let id, _): return [.send(id, chunk), next]
            case .timer:
                let open = history.compactMap { if case .accepted(let id, _) = $0 { id } else { nil } }
                return open.map { .send($0, chunk) } + [next]
            default: return []
            }
        })
        // A client that never reads: once the kernel's buffers are full, the queue grows.
        let client = try TestClient(port: harness.port, receiveBuffer: 4096)
        let closed = harness.turn(until: {
            harness.instance.events.contains { if case .closed(_, .writeQueueFull) = $0 { true } else { false } }
        })
        #expect(closed, "the instance was told .closed(id, .writeQueueFull)")
        let id = try #require(harness.instance.accepted.first)
        #expect(harness.instance.events.contains(.closed(id, .writeQueueFull)))
        #expect(harness.loop.connectionCount == 0, "the connection is closed")
        // The client reads on now: what the kernel held, then the end.
        #expect(harness.turn(until: { client.readAvailable(); return client.sawEnd }))
        harness.turns(1)  // The turn's log is written at the start of the next.
        #expect(harness.logText.contains("Cut off 127.0.0.1:"), "the reason is in the log")
        #expect(harness.logText.contains("(at most 65536 per connection)"))
    }

    @Test func connectionsPastTheCapAreTurnedAwayWithAnError() throws {
        var limits = EventLoop<ScriptedInstance>.Limits()
        limits.maxConnections = 2
        let harness = try LoopHarness(limits: limits)
        let first = try TestClient(port: harness.port)
        let second = try TestClient(port: harness.port)
        #expect(harness.turn(until: { harness.instance.accepted.count == 2 }))
        let extra = try TestClient(port: harness.port)
        #expect(harness.turn(until: { extra.readAvailable(); return extra.sawEnd }))
        #expect(extra.text == "Error:too many connections (2); try later\n")
        harness.turns(3)
        #expect(harness.instance.accepted.count == 2, "the instance never sees the extra connection")
        #expect(harness.loop.connectionCount == 2)
        #expect(EventParser.events(inLog: harness.logText).contains { $0.kind == .turnedAway && $0.subject?.host == .loopback })
        // The two within the cap are still open.
        for client in [first, second] {
            client.readAvailable()
            #expect(!client.sawEnd)
        }
    }

    @Test func theOutputOfAllConnectionsIsBoundedAndTheSlowestReaderGoes() throws {
        var limits = EventLoop<ScriptedInstance>.Limits()
        limits.maxQueuedBytes = 4 << 20
        limits.maxTotalQueuedBytes = 256 << 10
        let chunk = Message.peerList((1...1000).map { NodeAddress(host: .loopback, port: UInt16(10000 + $0)) })
        // Every millisecond, 16 KiB to each connection; twice as much to the first one.
        let harness = try LoopHarness(limits: limits, script: { event, now, history in
            let next = Action.schedule(.gossip, at: now.instant + .milliseconds(1))
            guard case .timer = event else {
                if case .accepted = event, history.isEmpty { return [next] }
                return []
            }
            let open = history.compactMap { if case .accepted(let id, _) = $0 { id } else { nil } }
            return open.prefix(1).map { .send($0, chunk) } + open.map { .send($0, chunk) } + [next]
        })
        // Two clients that never read.
        let clients = try (0..<2).map { _ in try TestClient(port: harness.port, receiveBuffer: 4096) }
        #expect(harness.turn(until: { harness.instance.accepted.count == 2 }))
        var most = 0
        let closed = harness.turn(until: {
            most = max(most, harness.loop.queuedBytes)
            return harness.instance.events.contains { if case .closed(_, .writeQueueFull) = $0 { true } else { false } }
        })
        #expect(closed, "a connection was closed for the total")
        #expect(most <= limits.maxTotalQueuedBytes, "never more than the bound queued between turns (\(most))")
        // The first one, which was sent twice as much, is the one cut off.
        #expect(harness.instance.events.contains(.closed(harness.instance.accepted[0], .writeQueueFull)))
        #expect(harness.loop.connectionCount == 1)
        harness.turns(1)  // The turn's log is written at the start of the next.
        #expect(harness.logText.contains("the most of any connection"))
        _ = clients
    }

    @Test func connectionsTurnedAwayAreLoggedAFewAtATimeThenSummarised() throws {
        var limits = EventLoop<ScriptedInstance>.Limits()
        limits.maxConnections = 1
        limits.turnedAwayLogged = 3
        limits.turnedAwayInterval = .milliseconds(300)
        let harness = try LoopHarness(limits: limits)
        let kept = try TestClient(port: harness.port)
        #expect(harness.turn(until: { harness.instance.accepted.count == 1 }))
        let extras = try (0..<8).map { _ in try TestClient(port: harness.port) }
        let allRefused = harness.turn(until: {
            for extra in extras { extra.readAvailable() }
            return extras.allSatisfy(\.sawEnd)
        })
        #expect(allRefused)
        func summaries() -> [Int] {
            EventParser.events(inLog: harness.logText).compactMap { event -> Int? in
                guard case .turnedAwaySuppressed(let count, "127.0.0.1", 3, .milliseconds(300)) = event else { return nil }
                return count
            }
        }
        #expect(harness.turn(until: { !summaries().isEmpty }))
        let events = EventParser.events(inLog: harness.logText)
        let logged = events.filter { if case .turnedAway(let remote, _) = $0 { remote.host == .loopback } else { false } }.count
        let summarised = summaries()
        // Usually 3 logged and "5 more"; if a period ended while they came, more of each.
        #expect(logged + summarised.reduce(0, +) == 8, "\(events)")
        #expect(logged <= 3 * (summarised.count + 1))
        #expect(logged < 8)
        _ = kept
    }
}
