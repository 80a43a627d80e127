/// Everything one `cluster bench` measured: the table on standard output and the JSON file.
struct BenchReport {
    var machine: MachineInfo
    var command: String
    var quick: Bool
    var dissemination: [Dissemination.Result] = []
    var throughput: Throughput.Result?
    var killFlood: KillFlood.Result?
    var footprint: Footprint.Result?
    var detection: Detection.Result?
    /// Scenarios that failed, with why.
    var failures: [(scenario: String, reason: String)] = []
    /// The scenarios run (for the JSON: the keys of those not run are left out).
    var ran: Set<String> = []

    init(machine: MachineInfo, command: String, quick: Bool) {
        self.machine = machine
        self.command = command
        self.quick = quick
    }
}
