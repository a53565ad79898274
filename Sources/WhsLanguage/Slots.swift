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

    /// Runs `$x = $a op b` when `$a` and `b` are integers and the result fits, writing the
    /// slot where it lies; false, having changed nothing, for anything else (the caller then
    /// evaluates the statement the general way, which also reports an overflow or an unset
    /// variable).
    @inline(__always) func assignInts(_ assignment: IntAssignment) -> Bool {
        guard assignment.slot < count, assignment.left < count, case .int(let left)? = storage[assignment.left] else { return false }
        let right: Int
        switch assignment.right {
        case .int(let number): right = number
        case .slot(let slot):
            guard slot < count, case .int(let number)? = storage[slot] else { return false }
            right = number
        }
        let result: (partialValue: Int, overflow: Bool)
        switch assignment.op {
        case .add: result = left.addingReportingOverflow(right)
        case .subtract: result = left.subtractingReportingOverflow(right)
        case .multiply: result = left.multipliedReportingOverflow(by: right)
        default: return false
        }
        guard !result.overflow else { return false }
        storage[assignment.slot] = .int(result.partialValue)
        return true
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
