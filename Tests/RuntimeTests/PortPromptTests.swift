import Testing

import GossipCore
import GossipOptions
@testable import GossipRuntime

@Suite("PortPrompt")
struct PortPromptTests {
    /// Asks with these answers typed in; returns the port and everything written.
    func ask(typing answers: [String]) -> (UInt16?, [String]) {
        var remaining = answers[...]
        var written: [String] = []
        let port = PortPrompt.ask("Port: ", write: { written.append($0) }, readLine: { remaining.popFirst() })
        return (port, written)
    }

    @Test("a valid answer is returned after one prompt")
    func validAnswer() {
        let (port, written) = ask(typing: ["6001"])
        #expect(port == 6001)
        #expect(written == ["Port: "])
    }

    @Test("spaces around the answer are ignored")
    func trimmed() {
        #expect(ask(typing: [" 6001\t\r"]).0 == 6001)
    }

    @Test("0 is accepted (any free port)")
    func zero() {
        #expect(ask(typing: ["0"]).0 == 0)
    }

    @Test("a bad answer is explained and the prompt repeated")
    func reprompts() {
        let (port, written) = ask(typing: ["abc", "70000", "6002"])
        #expect(port == 6002)
        #expect(written.filter { $0 == "Port: " }.count == 3)
        #expect(written.contains { $0.contains("'abc' is not a port number") })
        #expect(written.contains { $0.contains("'70000' is not a port number") })
    }

    @Test("end of input gives nil")
    func endOfInput() {
        #expect(ask(typing: []).0 == nil)
    }

    @Test("end of input after a bad answer gives nil")
    func endOfInputAfterBadAnswer() {
        #expect(ask(typing: ["abc"]).0 == nil)
    }
}
