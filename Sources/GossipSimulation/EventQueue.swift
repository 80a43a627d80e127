/// The simulator's agenda: events ordered by (virtual time, insertion order), as a binary
/// heap. Insertion order breaks ties, so two events at the same instant always run in the
/// order they were scheduled: the run is a function of its seed.
///
/// The heap holds only plain 16-byte keys; payloads wait in a slab beside it and are moved
/// once, in and out. Sifting a heap of payloads that hold references (messages, strings) cost
/// more than the simulated protocol itself (measured: a third of the run).
struct EventQueue<Payload> {
    private struct Key {
        /// Virtual time in nanoseconds.
        var time: Int64
        /// Insertion order, relative to `sequenceBase`.
        var sequence: UInt32
        /// Where the payload waits in the slab.
        var slot: UInt32
    }

    private var heap: [Key] = []
    private var slab: [Payload?] = []
    private var free: [UInt32] = []
    private var nextSequence: UInt64 = 0
    /// Wraps of the 32-bit sequence are handled by re-numbering (see `renumber`).
    private var sequenceBase: UInt64 = 0

    var count: Int { heap.count }
    var isEmpty: Bool { heap.isEmpty }
    var nextTime: Int64? { heap.first?.time }

    mutating func push(_ payload: Payload, at time: Int64) {
        let slot: UInt32
        if let reused = free.popLast() {
            slot = reused
            slab[Int(slot)] = payload
        } else {
            slot = UInt32(slab.count)
            slab.append(payload)
        }
        if nextSequence - sequenceBase >= UInt64(UInt32.max) { renumber() }
        heap.append(Key(time: time, sequence: UInt32(nextSequence - sequenceBase), slot: slot))
        nextSequence += 1
        siftUp(heap.count - 1)
    }

    mutating func pop() -> (time: Int64, payload: Payload)? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        let payload = slab[Int(top.slot)].take()!
        free.append(top.slot)
        return (top.time, payload)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        let key = heap[child]
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.less(key, heap[parent]) else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = key
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        let key = heap[parent]
        let count = heap.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { break }
            var smallest = left
            let right = left + 1
            if right < count, Self.less(heap[right], heap[left]) { smallest = right }
            guard Self.less(heap[smallest], key) else { break }
            heap[parent] = heap[smallest]
            parent = smallest
        }
        heap[parent] = key
    }

    /// Keeps the relative order of queued keys while making room for more sequence numbers.
    private mutating func renumber() {
        let order = heap.indices.sorted { Self.less(heap[$0], heap[$1]) }
        for (rank, index) in order.enumerated() { heap[index].sequence = UInt32(rank) }
        sequenceBase = nextSequence - UInt64(order.count)
    }

    private static func less(_ a: Key, _ b: Key) -> Bool {
        a.time < b.time || (a.time == b.time && a.sequence < b.sequence)
    }
}
