import Glibc
import GossipCore
import GossipOptions

/// Host names to addresses, once, when a program starts (`--host localhost`, `--advertise
/// node1.lan`, `seed1.lan:5001` in a config file). The protocol core never resolves anything:
/// it only ever sees addresses, so a node's identity does not change under it if DNS does.
public enum HostResolver {
    /// The name's first IPv4 address, or its first IPv6 address when it has no IPv4 one (so
    /// `localhost` is 127.0.0.1, like the default `--host`, whatever order the resolver prefers).
    public static func resolve(_ name: String) -> Result<NodeAddress.Host, HostName.Failure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(name, nil, &hints, &list)
        guard code == 0 else {
            return .failure(HostName.Failure("cannot resolve '\(name)': \(String(cString: gai_strerror(code)))"))
        }
        defer { freeaddrinfo(list) }
        var ipv6: NodeAddress.Host?
        var entry = list
        while let current = entry {
            if let address = current.pointee.ai_addr {
                if current.pointee.ai_family == AF_INET {
                    let value = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        UInt32(bigEndian: $0.pointee.sin_addr.s_addr)
                    }
                    return .success(
                        .ipv4(UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)))
                }
                if current.pointee.ai_family == AF_INET6, ipv6 == nil {
                    let groups = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin6_addr) { bytes in
                            (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
                        }
                    }
                    ipv6 = .ipv6(groups: groups)
                }
            }
            entry = current.pointee.ai_next
        }
        if let ipv6 { return .success(ipv6) }
        return .failure(HostName.Failure("cannot resolve '\(name)': it has no IPv4 or IPv6 address"))
    }

    /// `--host` or `--advertise` as given: an address already, or a name resolved now.
    public static func resolve(_ text: HostText) -> Result<NodeAddress.Host, HostName.Failure> {
        switch text {
        case .address(let host): return .success(host)
        case .name(let name): return resolve(name)
        }
    }
}
