import Glibc

/// The process's file descriptor limit (`RLIMIT_NOFILE`), which bounds how many connections a
/// node can hold: a seed keeps one per registered peer.
enum DescriptorLimit {
    /// Descriptors kept out of the connection cap: the listener, the log file, the signal pipe,
    /// the spare descriptor, standard input and output, and the seed's own probes (at most
    /// `SeedSettings.maxJoinProbes` + `maxSuspectProbes` = 192 at once), which are outbound
    /// connections the cap does not stop.
    static let reserve = 256

    /// Raises the soft limit to the hard limit (a process may, without privileges) and returns
    /// the soft limit in force afterwards. Distributions start processes with a soft limit of
    /// 1,024 whatever the hard limit is, for the sake of `select(2)`, which a `poll` loop does
    /// not use.
    static func raiseToHardLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        // RLIM_INFINITY is not a count; no kernel hands out more than a few million.
        return Int(min(limit.rlim_cur, 1 << 24))
    }

    /// Connections a node may hold with `descriptors` available: all but the reserve.
    static func connectionCap(descriptors: Int) -> Int {
        max(descriptors - reserve, 16)
    }
}
