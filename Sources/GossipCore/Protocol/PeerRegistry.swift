/// A seed's list of registered peers: each address once, with insertion, removal and a
/// uniform random sample all in constant time per element.
public struct PeerRegistry: Sendable {
    private var addresses: [NodeAddress] = []
    private var index: [NodeAddress: Int] = [:]

    public init() {}

    public var count: Int { addresses.count }
    public var all: [NodeAddress] { addresses }

    public func contains(_ address: NodeAddress) -> Bool { index[address] != nil }

    /// Adds `address`; false when it was listed already (it stays listed once).
    @discardableResult
    public mutating func insert(_ address: NodeAddress) -> Bool {
        guard index[address] == nil else { return false }
        index[address] = addresses.count
        addresses.append(address)
        return true
    }

    /// Removes `address`; false when it was not listed.
    @discardableResult
    public mutating func remove(_ address: NodeAddress) -> Bool {
        guard let position = index.removeValue(forKey: address) else { return false }
        let last = addresses.removeLast()
        if position < addresses.count {
            addresses[position] = last
            index[last] = position
        }
        return true
    }

    /// Up to `limit` listed addresses other than `excluding`, chosen uniformly at random
    /// (all of them when they fit), in a random order.
    public func sample(limit: Int, excluding: NodeAddress?, using rng: inout some RandomNumberGenerator) -> [NodeAddress] {
        var pool = addresses
        if let excluding, let position = pool.firstIndex(of: excluding) {
            pool.swapAt(position, pool.count - 1); pool.removeLast()
        }
        let take = min(limit, pool.count)
        // Partial Fisher-Yates: the first `take` slots become the sample.
        for i in 0..<take {
            let j = Int.random(in: i..<pool.count, using: &rng)
            pool.swapAt(i, j)
        }
        return Array(pool.prefix(take))
    }
}
