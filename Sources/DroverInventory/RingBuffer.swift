/// A fixed-capacity FIFO that overwrites its oldest element when full.
///
/// Keeps per-host history bounded: memory is `capacity` elements, however long a host lives.
public struct RingBuffer<Element: Sendable>: Sendable {
    /// The most elements kept.
    public let capacity: Int
    private var storage: [Element] = []
    /// Index of the oldest element once `storage` is full.
    private var head = 0

    /// An empty buffer holding at most `capacity` (at least 1) elements.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage.reserveCapacity(self.capacity)
    }

    /// How many elements are held.
    public var count: Int { storage.count }

    /// True when nothing is held.
    public var isEmpty: Bool { storage.isEmpty }

    /// Appends `element`, dropping the oldest one when full.
    public mutating func append(_ element: Element) {
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[head] = element
            head = (head + 1) % capacity
        }
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
