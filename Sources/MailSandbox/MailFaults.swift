import WebhookCore

/// Faults on demand (docs/SENDING.md): what each fault does to the pushes of one mail, whose
/// events are planned in order. The mail's life stays what it was (its events, their times);
/// only the pushes move, or gain a copy, and every delivery a fault touched is marked.
enum MailFaults {
    /// `events` in the order they are to be pushed, after `faults`. `lateBy`: how long `late`
    /// holds the pushes back (already scaled by the time scale).
    static func apply(_ faults: Set<DeliveryFault>, to events: [PlannedEvent], lateBy: Double) -> [PlannedEvent] {
        guard !faults.isEmpty, let last = events.last else { return events }
        var pushed = events
        if faults.contains(.late) {
            for index in pushed.indices {
                pushed[index].due += lateBy
                pushed[index].fault = .late
            }
        }
        if faults.contains(.reorder) {
            // Reversed, and all due when the last one is: a chain sends its first push before
            // the next, so the receiver sees the mail's last event first.
            let due = pushed.map(\.due).max() ?? last.due
            pushed.reverse()
            for index in pushed.indices {
                pushed[index].due = due
                pushed[index].fault = .reorder
            }
        }
        // The copies follow the push of the mail's last event.
        guard let position = pushed.firstIndex(where: { $0.event == last.event && $0.time == last.time }) else { return pushed }
        var copies: [PlannedEvent] = []
        for fault in [DeliveryFault.duplicate, .badsig] where faults.contains(fault) {
            var copy = pushed[position]
            copy.fault = fault
            copy.logged = false
            copies.append(copy)
        }
        pushed.insert(contentsOf: copies, at: position + 1)
        return pushed
    }
}
