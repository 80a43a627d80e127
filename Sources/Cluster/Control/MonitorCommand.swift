import Glibc
import GossipCore
import GossipOptions
import GossipRuntime

/// `cluster monitor ADDR|--all`: a node's (or every node's) log events live, from their control
/// sockets' `monitor` streams, until the nodes stop or the command is interrupted.
enum MonitorCommand {
    static let table = OptionTable(
        synopsis: "cluster monitor ADDR|--all [--json] [--type T,...] [--control-dir DIR]",
        summary: """
            Streams what a node logs, live: the node at ADDR (IP:port, on this machine), or with --all every
            node whose control socket is in the control directory, each line prefixed with the node (peer
            127.0.0.1:6001: ...). --json: one JSON object a line, with the keys time, node, role, level, event
            (the event's type) and text (the log line's event). Runs until every node it follows has stopped,
            or until interrupted (Ctrl-C). A monitor that does not keep up is cut off by the node, never
            slows it.
            """,
        groups: [
            (
                "Options",
                [
                    OptionSpec("--all", default: "off", "every node in the control directory"),
                    OptionSpec("--json", default: "off", "JSON lines instead of the log's lines"),
                    OptionSpec(
                        "--type", "T,...", default: "every type",
                        "only events whose type (docs/LOGS.md) starts with one of these: received, text, removed, link, ..."),
                    ControlClient.directoryOption,
                ]
            )
        ],
        notes: """
            Exit status: 0 every node followed has stopped; 1 no node could be followed; 3 some could not
            (named on standard error; the others are followed); 2 a bad command line.
            """)

    static func run(_ arguments: [String]) -> Int32 {
        let nodes: [ControlClient.Node]
        let all: Bool
        var json = false
        var types: [String] = []
        do {
            var rest: [String] = []
            var index = 0
            while index < arguments.count {
                switch arguments[index] {
                case "--json": json = true
                case "--type":
                    guard index + 1 < arguments.count else { throw UsageError("--type needs a value") }
                    index += 1
                    types = arguments[index].split(separator: ",").map(String.init)
                    if case .failure(let unknown) = MonitorFormat.select(types) {
                        throw UsageError("no event type starts with '\(unknown.name)' (types: \(MonitorFormat.kinds.joined(separator: ",")))")
                    }
                default: rest.append(arguments[index])
                }
                index += 1
            }
            (nodes, all) = try ControlCommands.targets(rest, command: "monitor")
        } catch let error as UsageError {
            return ControlCommands.usage("monitor", error.description)
        } catch {
            return ControlCommands.failure("monitor", "\(error)")
        }
        let request = (["monitor"] + (json ? ["json"] : []) + (types.isEmpty ? [] : [types.joined(separator: ",")]))
            .joined(separator: " ")
        var streams: [(node: ControlClient.Node, reader: ControlClient.LineReader)] = []
        for node in nodes {
            do {
                let fd = try ControlClient.connect(node, timeout: .seconds(5))
                try ControlClient.sendLine(fd, request)
                var reader = ControlClient.LineReader(fd: fd)
                let first = try reader.next() ?? "(no answer)"
                guard first.hasPrefix("OK") else { throw RuntimeError("it said: \(first)") }
                // From here on the stream is read when poll says so: no time limit on a read.
                var none = timeval()
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, socklen_t(MemoryLayout<timeval>.size))
                streams.append((node, reader))
            } catch {
                NodeLauncher.standardError("cluster monitor: cannot follow \(node.name): \(error)\n")
            }
        }
        guard !streams.isEmpty else { return 1 }
        let status: Int32 = streams.count == nodes.count ? 0 : 3
        while !streams.isEmpty {
            var set = streams.map { pollfd(fd: $0.reader.fd, events: Int16(POLLIN), revents: 0) }
            guard poll(&set, nfds_t(set.count), -1) >= 0 || errno == EINTR else { return 1 }
            var index = 0
            while index < streams.count {
                defer { index += 1 }
                guard set[index].revents != 0 else { continue }
                do { try streams[index].reader.fill() } catch { streams[index].reader.ended = true }
                var output = ""
                let prefix = all && !json ? "\(streams[index].node.name): " : ""
                while let newline = streams[index].reader.pending.firstIndex(of: 10) {
                    output += prefix + String(decoding: streams[index].reader.pending[..<newline], as: UTF8.self) + "\n"
                    streams[index].reader.pending.removeFirst(newline + 1)
                }
                if !output.isEmpty { NodeLauncher.standardError(output, to: STDOUT_FILENO) }
            }
            for (offset, stream) in streams.enumerated().reversed() where stream.reader.ended {
                close(stream.reader.fd)
                streams.remove(at: offset)
            }
        }
        return status
    }
}
