/// A fixed-capacity FIFO that overwrites its oldest element when full.
///
/// Keeps per-host history bounded: memory is `capacity` elements, however long a host lives.
public struct RingBuffer<Element: Sendable>: Sendable {
    /// The most elements kept.
    public let capacity: Int
    private var storage: [Element] = []
    /// Index of the oldest element once `storage` is full.
    private var head = 0

    /// An empty buffer holding at most `capacity` (at least 1) elements, its storage allocated
    /// at once.
    ///
    /// Why up front: storage grown as elements arrive doubles its allocation on the way and
    /// leaves the outgrown blocks behind in the allocator. Measured with `drover-bench
    /// inventory-memory` (10,000 hosts, 80 minutes of reports), growing histories cost the
    /// controller 6.4 KB per host of resident memory for 3.4 KB of samples. Allocated at once,
    /// a host costs its full history from its first report, and the controller's memory right
    /// after the fleet connects is what it will be an hour later.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage.reserveCapacity(self.capacity)
    }

    /// How many elements are held.
    public var count: Int { storage.count }

    /// True when nothing is held.
    public var isEmpty: Bool { storage.isEmpty }

    /// Appends `element`; when full, the oldest element makes room and is returned.
    @discardableResult
    public mutating func append(_ element: Element) -> Element? {
        if storage.count < capacity {
            storage.append(element)
            return nil
        }
        let evicted = storage[head]
        storage[head] = element
        head = (head + 1) % capacity
        return evicted
    }

    /// The newest element.
    public var last: Element? {
        guard !storage.isEmpty else { return nil }
        return storage[(head + storage.count - 1) % storage.count]
    }

    /// All elements, oldest first.
    public var elements: [Element] {
        guard head != 0 else { return storage }
        return Array(storage[head...] + storage[..<head])
    }

    /// The newest `n` elements, oldest first.
    public func suffix(_ n: Int) -> [Element] {
        Array(elements.suffix(n))
    }
}
