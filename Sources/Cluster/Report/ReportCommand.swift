import Glibc
import GossipOptions
import GossipReport
import GossipRuntime
import GossipVisual

/// A reason `cluster report` cannot write its page: one line, exit status 1.
struct ReportError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `cluster report INPUT... [--out FILE] [--title T] [--message TEXT]`: one self-contained HTML
/// page (inline SVG and CSS, no script) from a run's log directory, a `simulate --json` file,
/// or one or two `bench --json` files. The kind of input is told from the input itself.
enum ReportCommand {
    static let usage = """
        usage: cluster report INPUT... [--out FILE] [--title T] [--message TEXT]
        Writes one HTML page (inline SVG, no script; opens offline, prints) from:
          a directory         a cluster run's logs (seedlog_<port>.txt, peerlog_<port>.txt): timeline,
                              delivery over time, a message's dissemination tree, the overlay
          a simulate JSON     from 'cluster simulate --json FILE': coverage per broadcast, hops, degrees,
                              detection; overlay and a tree for networks of up to 500 peers
          one or two bench JSON files from 'cluster bench --json FILE': figures against targets, side by side
        --out FILE      where to write the page (default report.html)
        --title T       the page's title (default: says what the input is)
        --message TEXT  the run's message whose tree is drawn (its text or a prefix; default: the first created)
        Also: cluster --report FILE ... writes the report of that run at its end.
        """

    struct Options: Equatable {
        var inputs: [String] = []
        var out = "report.html"
        var title: String?
        var message: String?
    }

    static func parse(_ arguments: [String]) throws(UsageError) -> Options {
        var options = Options()
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            var name = argument
            var inline: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inline = String(argument[argument.index(after: equals)...])
            }
            func value() throws(UsageError) -> String {
                if let inline { return inline }
                guard let next = remaining.popFirst() else { throw UsageError("\(name) needs a value") }
                return next
            }
            switch name {
            case "--out": options.out = try value()
            case "--title": options.title = try value()
            case "--message": options.message = try value()
            default:
                if argument.hasPrefix("-") && argument != "-" { throw UsageError("unknown option \(argument)") }
                options.inputs.append(argument)
            }
        }
        guard !options.inputs.isEmpty else { throw UsageError("give a run's log directory, a simulate JSON or bench JSON files") }
        guard !options.out.isEmpty else { throw UsageError("--out needs a file name") }
        return options
    }

    static func run(_ arguments: [String]) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            NodeLauncher.standardError(usage + "\n", to: STDOUT_FILENO)
            return 0
        }
        let options: Options
        do { options = try parse(arguments) } catch {
            NodeLauncher.standardError("cluster report: \(error) (see 'cluster report --help')\n")
            return 2
        }
        do {
            let html = try page(options)
            try write(html, to: options.out)
            NodeLauncher.standardError("Report written to \(options.out)\n", to: STDOUT_FILENO)
            return 0
        } catch {
            NodeLauncher.standardError("cluster report: \(error)\n")
            return 1
        }
    }

    /// What a run reporting itself (`cluster --report`) knows that its logs do not say.
    struct RunContext {
        var command: String?
        /// When the cluster began to stop its nodes (wall-clock microseconds).
        var stoppedAt: Int64?
    }

    /// The page for the inputs.
    static func page(_ options: Options, run context: RunContext = RunContext()) throws(ReportError) -> String {
        enum Input {
            case run(String)
            case simulation(String, JSONValue)
            case bench(String, JSONValue)
        }
        var inputs: [Input] = []
        for path in options.inputs {
            var status = stat()
            guard stat(path, &status) == 0 else { throw ReportError("cannot read \(path): \(String(cString: strerror(errno)))") }
            if (status.st_mode & S_IFMT) == S_IFDIR {
                inputs.append(.run(path))
                continue
            }
            let text: String
            do { text = try Files.read(path) } catch { throw ReportError("cannot read \(path): \(error)") }
            let json: JSONValue
            do { json = try JSONReader.parse(text) } catch {
                throw ReportError("\(path) is neither a directory of run logs nor JSON (\(error))")
            }
            if SimulationPage.accepts(json) {
                inputs.append(.simulation(path, json))
            } else if BenchPage.accepts(json) {
                inputs.append(.bench(path, json))
            } else {
                throw ReportError(
                    "\(path): JSON with neither the keys of 'cluster simulate --json' (coverage_latency_s, trace_digest) "
                        + "nor those of 'cluster bench --json' (machine, quick)")
            }
        }
        switch inputs.first! {
        case .run(let directory):
            guard inputs.count == 1 else { throw ReportError("a run's log directory is reported alone: give one input") }
            return RunPage.html(
                try RunLogs.read(directory: directory, context: context), title: options.title, message: options.message)
        case .simulation(let path, let json):
            guard inputs.count == 1 else { throw ReportError("a simulation is reported alone: give one input") }
            return SimulationPage.html(json, source: path, title: options.title)
        case .bench:
            let files = inputs.compactMap { input -> (name: String, json: JSONValue)? in
                if case .bench(let path, let json) = input { return (path, json) }
                return nil
            }
            guard files.count == inputs.count, files.count <= 2 else {
                throw ReportError("bench files are reported alone or two side by side: give one or two bench JSON files")
            }
            return BenchPage.html(files, targets: benchTargets, title: options.title)
        }
    }

    /// The bench's own targets, so the page and the bench's table never disagree.
    static var benchTargets: BenchPage.Targets {
        BenchPage.Targets(
            p99Ms: BenchTargets.p99Ms, inPerSecond: BenchTargets.inPerSecond, outPerSecond: BenchTargets.outPerSecond,
            idleRSSBytes: BenchTargets.idleRSSBytes, idleCPUMsPerSecond: BenchTargets.idleCPUMsPerSecond,
            idleCPUMsPerSecondFastLiveness: BenchTargets.idleCPUMsPerSecondFastLiveness,
            detectionLastSeconds: BenchTargets.detectionLastSeconds)
    }

    static func write(_ html: String, to path: String) throws(ReportError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ReportError("cannot write \(path): \(String(cString: strerror(errno)))") }
        var text = html
        text.withUTF8 { Files.writeAll(fd, UnsafeRawBufferPointer($0)) }
        close(fd)
    }
}
