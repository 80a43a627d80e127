import Glibc
import GossipCore
import GossipOptions

/// What the `seed` and `peer` programs do, so their `main.swift` is one line: read the
/// options, bind the port, open the log, run the event loop.
///
/// Exit status: 0 after SIGINT/SIGTERM, 2 for a problem with how the program was started (an
/// option, the config file, a port in use), 1 for a failure at run time.
public enum NodeLauncher {
    public static func seed(arguments: [String]) -> Int32 {
        if wantsHelp(arguments) { return help(SeedOptions.usage) }
        if wantsVersion(arguments) { return version("seed") }
        let options: SeedOptions
        do { options = try SeedOptions(parsing: arguments) } catch { return usage("seed", error.description, SeedOptions.usage) }
        say(notes: options.notes, program: "seed")
        let key: ClusterKey?
        do { key = try options.clusterKeyFile.map { (path) throws(RuntimeError) in try ClusterKeyFile.read(path) } } catch {
            return fail("seed", error.description)
        }
        guard let port = options.port ?? askPort("seed") else { return fail("seed", "no port given (end of input)") }
        do {
            let signals = try SignalPipe()
            let (listener, address) = try listen(options.node, port: port, role: "seed")
            let settings: SeedSettings
            do { settings = try options.settings(address: address) } catch {
                return usage("seed", error.description, SeedOptions.usage)
            }
            let log = try LogSink(
                directory: options.logDirectory, fileName: "seedlog_\(address.port).txt", node: address,
                format: options.logFormat, consoleLevel: options.consoleLevel)
            let instance = SeedProtocol(settings: settings, rng: SeededRandom(seed: options.rngSeed ?? .random(in: .min ... .max)))
            // Every peer keeps a connection to its seeds: a seed's connections are bounded by its
            // descriptors, so it takes all it may have (docs/PROTOCOL.md, "Limits").
            let descriptors = DescriptorLimit.raiseToHardLimit()
            var maxConnections = DescriptorLimit.connectionCap(descriptors: descriptors)
            if let wanted = options.maxConnections {
                if wanted > maxConnections {
                    standardError(
                        "seed: --max-connections \(wanted) is more than \(descriptors) file descriptors allow; using \(maxConnections)\n")
                } else {
                    maxConnections = wanted
                }
            }
            log.setTime(microseconds: SystemClock.wallMicroseconds())
            log.write(
                .seedLimits(
                    connections: maxConnections, descriptors: Int(descriptors), perHost: settings.maxConnectionsPerHost,
                    identifyTimeout: settings.identifyTimeout))
            let control = try controlServer(options.node, role: .seed, address: address)
            return run(
                instance, key: key, listener: listener, log: log, signals: signals, maxConnections: maxConnections,
                control: control)
        } catch {
            return fail("seed", error.description)
        }
    }

    public static func peer(arguments: [String]) -> Int32 {
        if wantsHelp(arguments) { return help(PeerOptions.usage) }
        if wantsVersion(arguments) { return version("peer") }
        let options: PeerOptions
        let config: SeedConfig
        do {
            options = try PeerOptions(parsing: arguments)
            // Check the timing options before asking for anything else.
            try options.timing.validate()
        } catch {
            return usage("peer", error.description, PeerOptions.usage)
        }
        say(notes: options.notes, program: "peer")
        do {
            config = try SeedConfig(
                parsing: try Files.read(options.configPath), file: options.configPath, resolve: HostResolver.resolve)
        } catch let error
            as ConfigError
        {
            return fail("peer", error.description)
        } catch {
            return fail("peer", "\(error)")
        }
        let key: ClusterKey?
        do { key = try options.clusterKeyFile.map { (path) throws(RuntimeError) in try ClusterKeyFile.read(path) } } catch {
            return fail("peer", error.description)
        }
        guard let port = options.port ?? askPort("peer") else { return fail("peer", "no port given (end of input)") }
        do {
            let signals = try SignalPipe()
            let (listener, address) = try listen(options.node, port: port, role: "peer")
            let settings: PeerSettings
            do { settings = try options.settings(address: address, seeds: config.seeds) } catch {
                return usage("peer", error.description, PeerOptions.usage)
            }
            let log = try LogSink(
                directory: options.logDirectory, fileName: "peerlog_\(address.port).txt", node: address,
                format: options.logFormat, consoleLevel: options.consoleLevel)
            let instance = PeerProtocol(
                settings: settings, rng: SeededRandom(seed: options.rngSeed ?? .random(in: .min ... .max)))
            let control = try controlServer(options.node, role: .peer, address: address)
            return run(
                instance, key: key, listener: listener, log: log, signals: signals, commands: STDIN_FILENO, control: control)
        } catch {
            return fail("peer", error.description)
        }
    }

    /// Runs the event loop over `instance`, wrapped in `Authenticated` when a cluster key is
    /// set (without one, the loop drives the instance itself: nothing is added to its path).
    /// The nonces of the handshake come from the system's generator, not from `--rng-seed`: a
    /// node restarted with the same seed must not repeat the nonces of its last run.
    static func run<Instance: NodeInstance>(
        _ instance: Instance, key: ClusterKey?, listener: Int32, log: LogSink, signals: consuming SignalPipe,
        commands: Int32? = nil, maxConnections: Int? = nil, control: ControlServer? = nil
    ) -> Int32 {
        guard let key else {
            var limits = EventLoop<Instance>.Limits()
            if let maxConnections { limits.maxConnections = maxConnections }
            return EventLoop(
                instance: instance, listener: listener, log: log, signals: signals, commands: commands, limits: limits,
                control: control
            ).run()
        }
        let wrapped = Authenticated(instance, key: key, rng: SeededRandom(seed: .random(in: .min ... .max)))
        var limits = EventLoop<Authenticated<Instance>>.Limits()
        if let maxConnections { limits.maxConnections = maxConnections }
        return EventLoop(
            instance: wrapped, listener: listener, log: log, signals: signals, commands: commands, limits: limits,
            control: control
        ).run()
    }

    /// The node's control socket (`--control-dir`), or none with `--no-control`. A directory
    /// that is not this user's alone is a problem with how the node was started (exit 2).
    static func controlServer(_ options: NodeOptions, role: NodeKind, address: NodeAddress) throws(RuntimeError)
        -> ControlServer?
    {
        guard options.control else { return nil }
        return try ControlServer(
            directory: options.controlDirectory ?? ControlDirectory.defaultPath, role: role, address: address)
    }

    static func askPort(_ role: String) -> UInt16? {
        PortPrompt.ask(
            "Enter port number for \(role): ", write: { standardError($0, to: STDOUT_FILENO) }, readLine: { readLine() })
    }

    /// A wrong command line: one line naming the problem, exit 2.
    static func usage(_ program: String, _ problem: String, _ usage: String) -> Int32 {
        standardError("\(program): \(problem) (see '\(program) --help')\n")
        return 2
    }

    static func wantsHelp(_ arguments: [String]) -> Bool {
        arguments.contains("--help") || arguments.contains("-h")
    }

    static func help(_ usage: String) -> Int32 {
        standardError(usage + "\n", to: STDOUT_FILENO)
        return 0
    }

    static func fail(_ program: String, _ problem: String) -> Int32 {
        standardError("\(program): \(problem)\n")
        return 2
    }

    /// Writes straight to a file descriptor (standard error by default), unbuffered.
    public static func standardError(_ text: String, to fd: Int32 = STDERR_FILENO) {
        var text = text
        text.withUTF8 { Files.writeAll(fd, UnsafeRawBufferPointer($0)) }
    }
}
