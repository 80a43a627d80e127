import Glibc
import GossipCore
import GossipOptions

/// How a node comes by its addresses at start: `--host` resolved if it is a name, the socket
/// bound, and `--advertise` (resolved too) as the address it goes by. Resolution is I/O, so it
/// is done here, once, and the protocol instance only ever sees addresses.
extension NodeLauncher {
    /// Listens on `--host` and the port; returns the socket and the node's own address: the
    /// advertised host (or the listening one) with the bound port.
    static func listen(_ options: NodeOptions, port: UInt16, role: String) throws(RuntimeError) -> (
        fd: Int32, address: NodeAddress
    ) {
        var host = options.host
        if let name = options.hostName {
            switch HostResolver.resolve(name) {
            case .success(let resolved): host = resolved
            case .failure(let failure): throw RuntimeError("--host: \(failure)")
            }
        }
        var advertised: NodeAddress.Host?
        if let advertise = options.advertise {
            switch HostResolver.resolve(advertise) {
            case .success(let resolved) where resolved.isUnspecified:
                throw RuntimeError("--advertise \(advertise) is no one's address: give the address other nodes should use")
            case .success(let resolved): advertised = resolved
            case .failure(let failure): throw RuntimeError("--advertise: \(failure)")
            }
        }
        // A peer's address is its name on the wire: seeds refuse to list 0.0.0.0, and its
        // messages carry it. A seed's own address is only a probe's sender, so it may go without.
        if role == "peer", host.isUnspecified, advertised == nil {
            throw RuntimeError(
                "--host \(host) listens on every interface but is no one's address: add --advertise ADDR, the address other nodes should use"
            )
        }
        let (fd, bound) = try Sockets.listen(on: NodeAddress(host: host, port: port))
        return (fd, NodeAddress(host: advertised ?? bound.host, port: bound.port))
    }

    /// `--version`: the one version line, exit 0.
    static func version(_ program: String) -> Int32 {
        standardError(GossipVersion.line(program: program) + "\n", to: STDOUT_FILENO)
        return 0
    }

    static func wantsVersion(_ arguments: [String]) -> Bool { arguments.contains("--version") }

    /// States back on standard error the values that are legal but suspicious.
    static func say(notes: [String], program: String) {
        for note in notes { standardError("\(program): \(note)\n") }
    }
}
