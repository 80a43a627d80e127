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
    ///
    /// Costs O(limit), not O(count): a seed with 100,000 peers answers a registration by
    /// drawing 64 positions (Floyd's algorithm), never by copying its list.
    public func sample(limit: Int, excluding: NodeAddress?, using rng: inout some RandomNumberGenerator) -> [NodeAddress] {
        // Sample positions among the listed addresses other than `excluding`: move it (if
        // listed) to the end, conceptually, and draw from the first `pool` positions.
        let excludedPosition = excluding.flatMap { index[$0] }
        let pool = addresses.count - (excludedPosition == nil ? 0 : 1)
        let take = min(limit, pool)
        guard take > 0 else { return [] }
        func address(at position: Int) -> NodeAddress {
            // Position `excludedPosition` stands for the last address instead.
            if let excludedPosition, position == excludedPosition { return addresses[addresses.count - 1] }
            return addresses[position]
        }
        if take == pool {
            var all = (0..<pool).map(address(at:))
            all.shuffle(using: &rng)
            return all
        }
        // `take` is small (a peer list): a linear scan beats hashing here.
        var order: [Int] = []
        order.reserveCapacity(take)
        for upper in (pool - take)..<pool {
            let candidate = Int.random(in: 0...upper, using: &rng)
            order.append(order.contains(candidate) ? upper : candidate)
        }
        order.shuffle(using: &rng)
        return order.map(address(at:))
    }
}
