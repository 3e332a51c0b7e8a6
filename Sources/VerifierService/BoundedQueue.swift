/// A first-in, first-out queue of at most `capacity` elements: appending to
/// a full queue drops the oldest, in constant time. Storage grows as
/// elements arrive (nothing is reserved up front), then becomes a ring.
struct BoundedQueue<Element> {
    let capacity: Int
    private var storage: [Element] = []
    /// Where the oldest element is, once the ring is full.
    private var head = 0

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    var count: Int { storage.count }

    /// Appends `element`; returns true when the oldest had to go for it.
    @discardableResult
    mutating func append(_ element: Element) -> Bool {
        guard storage.count == capacity else {
            storage.append(element)
            return false
        }
        storage[head] = element
        head = (head + 1) % capacity
        return true
    }

    /// Every element, oldest first, leaving the queue empty.
    mutating func removeAll() -> [Element] {
        let elements = Array(storage[head...] + storage[..<head])
        storage.removeAll(keepingCapacity: true)
        head = 0
        return elements
    }
}
