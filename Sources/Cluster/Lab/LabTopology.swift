import Glibc
import GossipCore
import GossipRuntime

/// The lab's network: one namespace holding a bridge, one namespace per node with a veth
/// into the bridge, and a client namespace for the lab's own queries to the seeds.
///
///     gl<pid>b   br0, the bridge ends of every veth (named like the node's namespace),
///                and the nftables table `bridge gl_lab` whose forward chain makes the faults
///     gl<pid>s1  seed 1, eth0 10.77.1.1/16          gl<pid>p1  peer 1, eth0 10.77.2.1/16
///     gl<pid>c   the lab's query client, eth0 10.77.255.254/16
///
/// Every name starts with `gl` and the lab's PID, so two labs (or anything else) never share
/// one; the veths are created directly inside their namespaces, so nothing is ever added to
/// the root namespace. Faults are frame drops in the bridge's forward path (what a real
/// switch that loses frames does), never in a host's own output path. Removing a namespace
/// removes its links and rules with it; `remove()` deletes every namespace it made.
final class LabTopology {
    let prefix: String
    let ip: String
    let nft: String
    let directory: String
    var bridge: String { prefix + "b" }
    var client: String { prefix + "c" }
    static let clientAddress = "10.77.255.254"
    static let table = "gl_lab"
    /// The namespaces made so far, in order; `remove()` deletes them.
    private(set) var namespaces: [String] = []

    init(pid: pid_t, ip: String, nft: String, directory: String) {
        prefix = "gl\(pid)"
        self.ip = ip
        self.nft = nft
        self.directory = directory
    }

    static func seedAddress(_ index: Int) -> String { "10.77.1.\(index)" }

    static func peerAddress(_ index: Int) -> String { "10.77.\(2 + (index - 1) / 250).\((index - 1) % 250 + 1)" }

    func seedNamespace(_ index: Int) -> String { prefix + "s\(index)" }
    func peerNamespace(_ index: Int) -> String { prefix + "p\(index)" }

    /// Makes the bridge, `seeds` seed namespaces, `peers` peer namespaces and the client, and
    /// loads the nftables table with `lossPercent` random frame loss (none at 0).
    func build(seeds: Int, peers: Int, lossPercent: Int) throws(LabShell.Failure) {
        var hosts: [(namespace: String, address: String)] = [(client, Self.clientAddress)]
        for index in 1...seeds { hosts.append((seedNamespace(index), Self.seedAddress(index))) }
        for index in stride(from: 1, through: peers, by: 1) { hosts.append((peerNamespace(index), Self.peerAddress(index))) }
        // Recorded before `ip` runs: a namespace half made is removed all the same.
        namespaces = [bridge] + hosts.map(\.namespace)
        try batch(nil, namespaces.map { "netns add \($0)" })
        try batch(bridge, ["link add br0 type bridge", "link set br0 up", "link set lo up"])
        try batch(nil, hosts.map { "link add \($0.namespace) netns \(bridge) type veth peer name eth0 netns \($0.namespace)" })
        try batch(bridge, hosts.map { "link set \($0.namespace) master br0 up" })
        for host in hosts {
            try batch(host.namespace, ["addr add \(host.address)/16 dev eth0", "link set eth0 up", "link set lo up"])
        }
        let lossRule = lossPercent > 0 ? "    numgen random mod 100 < \(lossPercent) drop\n" : ""
        let rules = """
            table bridge \(Self.table) {
              set cut { type ipv4_addr; }
              chain forward {
                type filter hook forward priority 0; policy accept;
                ip saddr @cut ip daddr != @cut drop
                ip daddr @cut ip saddr != @cut drop
                ip saddr \(Self.clientAddress) accept
                ip daddr \(Self.clientAddress) accept
            \(lossRule)  }
            }

            """
        let path = directory + "/faults.nft"
        try LabShell.write(rules, to: path)
        try LabShell.check(ip, ["netns", "exec", bridge, nft, "-f", path])
    }

    /// Cuts `addresses` off from every host outside the set (both directions): they can still
    /// reach each other, not the seeds or the other peers.
    func cut(_ addresses: [String]) throws(LabShell.Failure) {
        guard !addresses.isEmpty else { return }
        try LabShell.check(
            ip, ["netns", "exec", bridge, nft, "add", "element", "bridge", Self.table, "cut", "{ \(addresses.joined(separator: ", ")) }"])
    }

    func heal(_ addresses: [String]) throws(LabShell.Failure) {
        guard !addresses.isEmpty else { return }
        try LabShell.check(
            ip,
            ["netns", "exec", bridge, nft, "delete", "element", "bridge", Self.table, "cut", "{ \(addresses.joined(separator: ", ")) }"])
    }

    /// The program and arguments that start `binary` inside `namespace` (`ip netns exec`
    /// execs the program in place: the PID it is started with is the node's).
    func exec(in namespace: String, _ binary: String, _ arguments: [String]) -> (path: String, arguments: [String]) {
        (ip, ["netns", "exec", namespace, binary] + arguments)
    }

    /// Deletes every namespace made (their links, addresses and rules go with them); the
    /// nodes must have exited first. Returns the names still listed afterwards (none, normally).
    @discardableResult
    func remove() -> [String] {
        guard !namespaces.isEmpty else { return [] }
        let ours = Set(namespaces)
        _ = try? batch(nil, namespaces.reversed().map { "netns del \($0)" }, force: true)
        var left = Self.listed(ip: ip).filter { ours.contains($0) }
        for name in left { _ = try? LabShell.run(ip, ["netns", "del", name]) }
        left = Self.listed(ip: ip).filter { ours.contains($0) }
        namespaces = left
        return left
    }

    /// The names `ip netns list` prints.
    static func listed(ip: String) -> [String] {
        guard let (status, output) = try? LabShell.run(ip, ["netns", "list"]), status == 0 else { return [] }
        return output.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    /// Runs `ip [-n namespace] [-force] -batch FILE` with `commands`, one a line.
    private func batch(_ namespace: String?, _ commands: [String], force: Bool = false) throws(LabShell.Failure) {
        let path = directory + "/ip-batch.txt"
        try LabShell.write(commands.joined(separator: "\n") + "\n", to: path)
        var arguments = namespace.map { ["-n", $0] } ?? []
        if force { arguments.append("-force") }
        try LabShell.check(ip, arguments + ["-batch", path])
    }
}
