import Foundation
import Testing

extension ProcessTests {
    @Suite struct ClusterTests {
        /// Ports for the cluster's seeds, held until the cluster is done with them.
        ///
        /// Each is bound (with SO_REUSEADDR, never listening), so no other socket can take it:
        /// a port-0 bind and an outgoing connection's ephemeral port skip bound ports. The seed
        /// the cluster starts can still bind it and listen, since Linux lets sockets that all
        /// set SO_REUSEADDR share a port as long as at most one of them listens. Releasing the
        /// ports first, as this once did, left a window in which another program could take one.
        final class ReservedPorts {
            private(set) var sockets: [Int32] = []
            private(set) var ports: [Int] = []

            init(_ count: Int) throws {
                for _ in 0..<count {
                    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                    sockets.append(fd)
                    var one: Int32 = 1
                    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
                    var address = sockaddr_in()
                    address.sin_family = sa_family_t(AF_INET)
                    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
                    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                    let ok = withUnsafeMutablePointer(to: &address) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
                        }
                    }
                    guard ok else {
                        release()
                        throw TestFailure("no free port")
                    }
                    ports.append(Int(UInt16(bigEndian: address.sin_port)))
                }
            }

            func release() {
                for fd in sockets { close(fd) }
                sockets = []
            }

            deinit { release() }
        }

        @Test func theClusterRunsSeedsAndPeersAndReportsFullDelivery() throws {
            try withNetwork { net in
                // Should a seed's port be taken all the same, the cluster says so and exits;
                // try again with fresh ports rather than fail on another program's doing.
                var attempt = 0
                while true {
                    attempt += 1
                    let reserved = try ReservedPorts(2)
                    try reserved.ports.map { "127.0.0.1:\($0)\n" }.joined().write(
                        to: net.directory.appendingPathComponent("config.txt"), atomically: true, encoding: .utf8)
                    let cluster = try net.launch(
                        "cluster",
                        [
                            "--config", "config.txt", "--peers", "5", "--messages", "3", "--gossip-interval", "0.1",
                            "--liveness-interval", "0.5",
                        ])
                    let status = try net.awaitExit(cluster, timeout: 60)
                    reserved.release()
                    let output = cluster.console
                    if status != 0, output.contains("before listening"), attempt < 3 { continue }
                    #expect(status == 0)
                    #expect(output.contains("all peers: 60 of 60 (100.0 %)"), "\(output)")
                    #expect(output.contains("peerlog_"))
                    // Every child is gone: the seeds' ports are free again.
                    for port in reserved.ports { #expect(throws: (any Error).self) { try LineClient(port: port) } }
                    return
                }
            }
        }

        /// Two separate processes (each with its own hash seed) print the same trace digest.
        @Test func aSimulationIsTheSameRunInEveryProcess() throws {
            try withNetwork { net in
                let arguments = [
                    "simulate", "--seeds", "3", "--peers", "200", "--broadcasts", "4", "--rng-seed", "5", "--loss", "0.05",
                    "--latency", "exp:3ms", "--crash", "2@10s", "--partition", "0.2@12s-20s:out", "--json", "run.json",
                ]
                var digests: [String] = []
                for _ in 0..<2 {
                    let run = try net.launch("cluster", arguments)
                    #expect(try net.awaitExit(run, timeout: 120) == 0)
                    let line = try #require(run.console.split(separator: "\n").first { $0.hasPrefix("trace digest") })
                    digests.append(String(line))
                }
                #expect(digests[0] == digests[1])
                let data = try Data(contentsOf: net.directory.appendingPathComponent("run.json"))
                let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
                for key in [
                    "delivery", "coverage_latency_s", "false_dead_reports", "detection_s", "trace_digest", "wall_s",
                    "peak_rss_bytes",
                ] {
                    #expect(json[key] != nil, "JSON lacks \(key)")
                }
                let latency = try #require(json["coverage_latency_s"] as? [String: Any])
                #expect(latency["p50"] != nil && latency["p99"] != nil && latency["max"] != nil)
                #expect((json["detection_s"] as? [Any])?.count == 2)
                #expect(digests[0].hasSuffix(json["trace_digest"] as? String ?? "missing"))
            }
        }
    }
}
