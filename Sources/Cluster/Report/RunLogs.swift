import Glibc
import GossipCore
import GossipReport
import GossipVisual

/// Reads a `cluster` run's log directory (`seedlog_<port>.txt`, `peerlog_<port>.txt`) into the
/// values `cluster report` draws, through the one reader of each log (`PeerLog`, `SeedLog`).
///
/// Logs are appended to, and a seed's port is the same from run to run, so a directory can
/// hold several runs: the report is of the last one, from the latest time every seed started
/// listening (peers' lines before that are left out too).
enum RunLogs {
    static func read(directory: String, context: ReportCommand.RunContext) throws(ReportError) -> RunData {
        // A `cluster` run keeps its logs in one directory; a `cluster lab` run gives each node a
        // directory of its own (`s1/seedlog_5000.txt`, `p7/peerlog_6000.txt`): one level down.
        var names = try listing(directory)
        for name in names {
            guard let inner = try? listing(directory + "/" + name) else { continue }
            names += inner.filter { $0.hasSuffix(".txt") }.map { name + "/" + $0 }
        }
        func isLog(_ name: String, _ prefix: String) -> Bool {
            (name.split(separator: "/").last ?? "").hasPrefix(prefix) && name.hasSuffix(".txt")
        }
        let seedFiles = names.filter { isLog($0, "seedlog_") }
        let peerFiles = names.filter { isLog($0, "peerlog_") }
        guard !seedFiles.isEmpty || !peerFiles.isEmpty else {
            throw ReportError(
                "\(directory) has no seedlog_<port>.txt or peerlog_<port>.txt files: not a cluster run's log directory")
        }
        let seeds = seedFiles.map { file in
            let log = SeedLog(path: directory + "/" + file)
            log.update()
            return (address: log.listenAddress ?? address(of: file), log: log)
        }
        let peers = peerFiles.map { file in
            let log = PeerLog(path: directory + "/" + file)
            log.update()
            return (address: log.listenAddress ?? address(of: file), log: log)
        }
        // The run starts when the last seed to (re)start listening did; without seeds' logs,
        // when the first peer of the last run did.
        let seedStarts = seeds.compactMap { $0.log.listenings.last }
        let peerStarts = peers.compactMap { $0.log.listenings.last }
        let start = seedStarts.min() ?? peerStarts.min() ?? 0
        var notes: [String] = []
        if seeds.contains(where: { $0.log.listenings.count > 1 }) || peers.contains(where: { $0.log.listenings.count > 1 }) {
            notes.append("These logs hold more than one run (or a restarted node): lines before the last start are left out.")
        }
        func t(_ at: Int64) -> Double { Double(at - start) / 1e6 }

        // Seeds first, then peers of this run, each by address.
        let seedAddresses = seeds.map(\.address).sorted()
        let thisRun = peers.filter { ($0.log.listenings.last ?? Int64.min) >= start }.sorted { $0.address < $1.address }
        let leftOut = peers.count - thisRun.count
        if leftOut > 0 { notes.append("\(leftOut) peer log(s) of earlier runs left out.") }
        var index: [NodeAddress: Int] = [:]
        var nodes: [RunData.Node] = []
        for address in seedAddresses {
            index[address] = nodes.count
            let log = seeds.first { $0.address == address }!.log
            nodes.append(
                .init(
                    name: address.description, isSeed: true,
                    marks: log.listenings.filter { $0 >= start }.map { .init(at: t($0), kind: .listening) }))
        }
        for peer in thisRun {
            index[peer.address] = nodes.count
            var marks: [Timeline.Mark] = []
            if let listening = peer.log.listenings.last { marks.append(.init(at: t(listening), kind: .listening)) }
            if let registered = peer.log.registrations.first(where: { $0 >= start }) {
                marks.append(.init(at: t(registered), kind: .registered))
            }
            marks += peer.log.links.filter { $0.at >= start }.map { .init(at: t($0.at), kind: .linked) }
            nodes.append(.init(name: peer.address.description, isSeed: false, marks: marks))
        }
        let stop = context.stoppedAt ?? finalStop(seeds.map(\.log), peers: Set(thisRun.map(\.address)), start: start)
        if let stop {
            notes.append(
                "At " + DecimalText.fixed(Double(stop - start) / 1e6, 2) + " s cluster stopped every node: the seeds' "
                    + "removals from then on are that stop, not drawn as leaves or deaths.")
        }
        addSeedMarks(seeds.map(\.log), index: index, start: start, stop: stop ?? Int64.max, to: &nodes)

        var links: [(Int, Int)] = []
        var seen: Set<[Int]> = []
        var messages: [RunData.Message] = []
        var messageIndex: [String: Int] = [:]
        var end = 0.0
        for log in seeds.map(\.log) { if let last = log.lastLineAt { end = max(end, t(last)) } }
        for peer in thisRun {
            let me = index[peer.address]!
            if let last = peer.log.lastLineAt { end = max(end, t(last)) }
            for link in peer.log.links where link.at >= start {
                guard let other = index[link.peer], other != me, seen.insert([min(me, other), max(me, other)]).inserted else {
                    continue
                }
                links.append((min(me, other), max(me, other)))
            }
            for created in peer.log.created where created.at >= start {
                messageIndex[created.text] = messages.count
                messages.append(.init(text: created.text, origin: me, createdAt: t(created.at), receipts: []))
            }
        }
        messages.sort { ($0.createdAt, $0.text) < ($1.createdAt, $1.text) }
        for (k, message) in messages.enumerated() { messageIndex[message.text] = k }
        for peer in thisRun {
            let me = index[peer.address]!
            // Sorted by text so the page is the same whatever the dictionary's order.
            for (text, receipt) in peer.log.receipts.sorted(by: { $0.key < $1.key }) where receipt.at >= start {
                guard let k = messageIndex[text] else { continue }
                messages[k].receipts.append(
                    .init(
                        node: me, from: receipt.from.flatMap { index[$0] }, fromName: receipt.from?.description ?? "?",
                        at: t(receipt.at)))
            }
        }
        for k in messages.indices { messages[k].receipts.sort { ($0.at, $0.node) < ($1.at, $1.node) } }
        return RunData(
            source: directory, command: context.command, nodes: nodes, links: links, messages: messages, end: end, notes: notes)
    }

    /// What the seeds logged about each peer: removals (dead or left), and registrations that
    /// follow a removal (registered again). Several seeds log the same removal; one mark each.
    static func addSeedMarks(
        _ seeds: [SeedLog], index: [NodeAddress: Int], start: Int64, stop: Int64, to nodes: inout [RunData.Node]
    ) {
        enum Change { case removed(String), registered }
        var changes: [(at: Int64, peer: Int, change: Change)] = []
        for log in seeds {
            for r in log.removals where r.at >= start && r.at < stop {
                if let k = index[r.peer] { changes.append((r.at, k, .removed(r.reason))) }
            }
            for r in log.registrations where r.at >= start { if let k = index[r.peer] { changes.append((r.at, k, .registered)) } }
        }
        changes.sort { ($0.at, $0.peer) < ($1.at, $1.peer) }
        var removed = Set<Int>()
        for change in changes {
            let at = Double(change.at - start) / 1e6
            switch change.change {
            case .removed(let reason):
                guard removed.insert(change.peer).inserted else { continue }
                // Only a confirmed death is drawn as one; a leave and an expired registration
                // (not renewed: it may live on elsewhere) are both departures.
                nodes[change.peer].marks.append(.init(at: at, kind: reason == "dead" ? .dead : .left))
            case .registered:
                guard removed.remove(change.peer) != nil else { continue }
                nodes[change.peer].marks.append(.init(at: at, kind: .reregistered))
            }
        }
    }

    /// When the cluster stopped its peers, told from the logs alone: every peer of the run
    /// was removed as left, all within the last 2 s of the seeds' logs. nil otherwise.
    static func finalStop(_ seeds: [SeedLog], peers: Set<NodeAddress>, start: Int64) -> Int64? {
        var firstLeave: [NodeAddress: Int64] = [:]
        for log in seeds {
            for r in log.removals where r.at >= start && r.reason == "left" && peers.contains(r.peer) {
                firstLeave[r.peer] = min(firstLeave[r.peer] ?? Int64.max, r.at)
            }
        }
        guard !peers.isEmpty, firstLeave.count == peers.count, let first = firstLeave.values.min(),
            let last = seeds.compactMap(\.lastLineAt).max(), last - first <= 2_000_000
        else { return nil }
        return first
    }

    /// `peerlog_6001.txt` → 127.0.0.1:6001, for a log that never said where it listens (the
    /// cluster's nodes listen on the loopback; the file name has the port only).
    static func address(of file: String) -> NodeAddress {
        let digits = file.drop { !$0.isNumber }.prefix { $0.isNumber }
        return NodeAddress(host: .loopback, port: UInt16(digits) ?? 0)
    }

    /// The directory's file names, sorted.
    static func listing(_ directory: String) throws(ReportError) -> [String] {
        guard let dir = opendir(directory) else {
            throw ReportError("cannot read directory \(directory): \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
