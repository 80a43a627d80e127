import Glibc
import GossipCore
import GossipRuntime

/// Figures about another process from /proc, by PID.
enum ProcessProbe {
    /// User plus system CPU time in seconds: fields 14 and 15 of `/proc/<pid>/stat`, in clock
    /// ticks (`sysconf(_SC_CLK_TCK)`, usually 100 a second).
    static func cpuSecondsFromStat(_ pid: pid_t) -> Double? {
        guard let text = try? Files.read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        // After the command name in parentheses: field 3 (state) is the first.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        return Double(user + system) / Double(ticks > 0 ? ticks : 100)
    }

    /// Time on a CPU in nanoseconds: the first field of `/proc/<pid>/task/<tid>/schedstat`,
    /// summed over the threads. Far finer than the clock ticks of `stat`, which an idle node
    /// does not use one of in a minute.
    static func cpuNanoseconds(_ pid: pid_t) -> Int64? {
        guard let directory = opendir("/proc/\(pid)/task") else { return nil }
        var threads: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name.first?.isNumber == true { threads.append(name) }
        }
        closedir(directory)
        var total: Int64 = 0
        for thread in threads {
            guard let text = try? Files.read("/proc/\(pid)/task/\(thread)/schedstat"),
                let first = text.split(separator: " ").first, let value = Int64(first)
            else { return nil }
            total += value
        }
        return threads.isEmpty ? nil : total
    }

    /// Resident set size now (VmRSS), in bytes.
    static func residentBytes(_ pid: pid_t) -> Int? { statusField("VmRSS:", pid) }
    /// Peak resident set size (VmHWM), in bytes.
    static func peakResidentBytes(_ pid: pid_t) -> Int? { statusField("VmHWM:", pid) }

    private static func statusField(_ name: String, _ pid: pid_t) -> Int? {
        guard let text = try? Files.read("/proc/\(pid)/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            return Int(line.dropFirst(name.count).filter { $0.isNumber }).map { $0 * 1024 }
        }
        return nil
    }

    /// The size of a file in bytes.
    static func fileSize(_ path: String) -> Int? {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : nil
    }

    /// This process's own CPU time (user plus system), in seconds.
    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

/// The machine the figures were measured on.
struct MachineInfo {
    var cores: Int
    var cpuModel: String
    var kernel: String
    var build: String
    /// Local date and time of the start of the run.
    var date: String
    /// The 1, 5 and 15 minute load averages at the start (`/proc/loadavg`): other work on the
    /// machine shows in the figures.
    var load: String

    static func current() -> MachineInfo {
        var cpuModel = "unknown"
        if let text = try? Files.read("/proc/cpuinfo"),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
            let colon = line.firstIndex(of: ":")
        {
            cpuModel = String(line[line.index(after: colon)...].drop { $0 == " " })
        }
        var names = utsname()
        uname(&names)
        func text<T>(_ field: inout T) -> String {
            withUnsafePointer(to: &field) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
        }
        let kernel = "\(text(&names.sysname)) \(text(&names.release)) \(text(&names.machine))"
        #if DEBUG
            let build = "debug"
        #else
            let build = "release"
        #endif
        let load = ((try? Files.read("/proc/loadavg")) ?? "").split(separator: " ").prefix(3).joined(separator: " ")
        let now = SystemClock.wallMicroseconds() / 1_000_000
        return MachineInfo(
            cores: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), cpuModel: cpuModel, kernel: kernel, build: build,
            date: SystemClock.localSecondText(now), load: load)
    }
}
