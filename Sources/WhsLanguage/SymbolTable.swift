/// Variable names and the slots that hold their values. The parser turns each `$name` into a
/// slot number, so reading a variable at run time is an array access.
public final class SymbolTable {
    public private(set) var names: [String] = []
    private var slots: [String: Int] = [:]

    /// The variables every session has: `$_`, `$error`, `$args`.
    static let last = 0, error = 1, args = 2

    init() {
        for name in ["_", "error", "args"] { _ = slot(for: name) }
    }

    func slot(for name: String) -> Int {
        if let found = slots[name] { return found }
        names.append(name)
        slots[name] = names.count - 1
        return names.count - 1
    }

    func existingSlot(for name: String) -> Int? { slots[name] }
}
