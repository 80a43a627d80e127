/// The config file and the small parsers under it: addresses, hosts, timestamps, operator
/// commands.
///
/// Input: the text of a config file (invalid UTF-8 repaired, as a file read as text is).
/// Properties: a config that parses prints back (one address a line) to the same seeds; an
/// error names a line of the file; every line that is an address prints to a canonical text
/// that parses to the same address; hosts and timestamps likewise.
enum ConfigTarget {
    static func run(_ data: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: data, as: UTF8.self)
        let lineCount = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).count
        do {
            let config = try SeedConfig(parsing: text, file: "fuzz.txt")
            require(!config.seeds.isEmpty, "a config with no seeds was accepted")
            require(Set(config.seeds).count == config.seeds.count, "a config lists a seed twice")
            let printed = config.seeds.map(\.description).joined(separator: "\n") + "\n"
            do {
                let again = try SeedConfig(parsing: printed, file: "printed")
                require(again == config, "the config printed as '\(printed)' reads back differently")
            } catch {
                fuzzFailure("the config printed as '\(printed)' does not read back: \(error)")
            }
            for seed in config.seeds { checkAddress(seed) }
        } catch {
            if let line = error.line { require((1...lineCount).contains(line), "error on line \(line) of \(lineCount)") }
            require(!error.description.isEmpty, "an error without a description")
        }

        for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(64) {
            checkAddressText(line)
            checkHostText(line)
            if let timestamp = Timestamp(parsing: line) {
                require(
                    Timestamp(parsing: timestamp.description[...]) == timestamp, "timestamp '\(line)' prints as \(timestamp)")
            }
            if let command = OperatorCommand(parsing: line), case .send(let text) = command {
                require((try? TextMessage.check(text)) != nil, "a send command past the text limits was taken")
            }
        }
    }

    static func checkAddressText(_ text: Substring) {
        let address: NodeAddress
        do { address = try NodeAddress(parsing: text) } catch {
            require(!error.description.isEmpty, "an address error without a description")
            return
        }
        checkAddress(address)
    }

    /// An address prints to one canonical text: it parses to the same address, prints the
    /// same, and `write(into:)` writes exactly `description`.
    static func checkAddress(_ address: NodeAddress) {
        let text = address.description
        do {
            let again = try NodeAddress(parsing: text)
            require(again == address, "\(text) parses to another address")
            require(again.description == text, "\(text) prints as \(again.description)")
            require(again.hashValue == address.hashValue, "equal addresses hash differently")
        } catch {
            fuzzFailure("the printed address '\(text)' does not parse: \(error)")
        }
        var bytes: [UInt8] = []
        address.write(into: &bytes)
        require(bytes == Array(text.utf8), "write(into:) of \(text) differs from description")
        let unmapped = address.host.unmapped
        require(unmapped.unmapped == unmapped, "unmapped is not idempotent for \(text)")
        require(address.host.isSameHost(as: unmapped) && unmapped.isSameHost(as: address.host), "isSameHost")
        checkHost(address.host)
    }

    static func checkHostText(_ text: Substring) {
        guard let host = try? NodeAddress.parseHost(text) else { return }
        checkHost(host)
    }

    static func checkHost(_ host: NodeAddress.Host) {
        let text = host.description
        do {
            let again = try NodeAddress.parseHost(text)
            require(again == host, "host \(text) parses to another host")
        } catch {
            fuzzFailure("the printed host '\(text)' does not parse: \(error)")
        }
        let loopback = NodeAddress.Host.loopback
        let ordered = [host < loopback, loopback < host, host == loopback].filter { $0 }.count
        require(ordered == 1, "hosts \(text) and \(loopback) are not ordered exactly one way")
    }
}
