/// The values of a session's variables, indexed by slot. A buffer the interpreter owns rather
/// than an array property: a loop reads and writes a slot on every step, and through a class's
/// array property each access pays for a dynamic exclusivity check and a uniqueness check
/// (about a quarter of a tight loop's time; docs/PERFORMANCE.md, "loop").
final class Slots {
    private var storage: UnsafeMutablePointer<Value?>
    private(set) var count = 0
    private var capacity: Int

    init() {
        capacity = 16
        storage = .allocate(capacity: capacity)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    /// The value in `slot`; nil when it was never set or was unset.
    @inline(__always) subscript(slot: Int) -> Value? {
        slot < count ? storage[slot] : nil
    }

    /// True when the slot holds a string or a list (what `$x = $x + ...` can grow in place);
    /// looked at where it lies, without a copy.
    @inline(__always) func holdsStringOrList(_ slot: Int) -> Bool {
        guard slot < count else { return false }
        switch storage[slot] {
        case .string?, .list?: return true
        default: return false
        }
    }

    /// Moves the value out, leaving the slot unset: the caller then holds its only reference
    /// and can change it in place.
    func take(_ slot: Int) -> Value? {
        guard slot < count else { return nil }
        return storage[slot].take()
    }

    @inline(__always) func store(_ slot: Int, _ value: Value?) {
        if slot >= count { grow(to: slot + 1) }
        storage[slot] = value
    }

    private func grow(to needed: Int) {
        if needed > capacity {
            let larger = max(needed, capacity * 2)
            let moved = UnsafeMutablePointer<Value?>.allocate(capacity: larger)
            moved.moveInitialize(from: storage, count: count)
            storage.deallocate()
            storage = moved
            capacity = larger
        }
        (storage + count).initialize(repeating: nil, count: needed - count)
        count = needed
    }
}
