import Glibc

/// Buffered output to a file descriptor. A script that prints 10,000 webhooks makes a few
/// dozen write(2) calls instead of 10,000. The shell flushes stdout before it writes to stderr,
/// so the two stay in order on a terminal.
public final class OutputSink {
    let descriptor: Int32
    private var buffer: [UInt8] = []
    /// Tests capture output here instead of writing to the descriptor.
    public private(set) var captured: String?

    public init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(1 << 16)
    }

    /// An in-memory sink (tests, `check`).
    public init(capturing: Void) {
        descriptor = -1
        captured = ""
    }

    /// What was captured since the last call.
    func takeCaptured() -> String {
        defer { if captured != nil { captured = "" } }
        return captured ?? ""
    }

    /// Asked once: the shell consults it for every value it shows.
    private lazy var descriptorIsTerminal: Bool = descriptor >= 0 && isatty(descriptor) == 1
    /// A terminal, and not sent to a file: colours, fitted tables, the pager and `watch`'s
    /// screen all follow this.
    public var isTerminal: Bool { diverted == nil && descriptorIsTerminal }

    /// `output FILE`: the file that receives what is written, instead of `descriptor`, until
    /// `output stop`. What was written before goes out first.
    var diverted: Int32? {
        willSet { flush() }
    }

    /// Sees everything written (`play --cast` records it).
    public var observer: ((String) -> Void)?

    public func write(_ text: String) {
        observer?(text)
        if captured != nil, diverted == nil { captured! += text; return }
        var text = text
        // Appending the contiguous UTF-8 in one go; `append(contentsOf: text.utf8)` goes byte by byte.
        text.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= 1 << 16 { flush() }
    }

    public func line(_ text: String) { write(text); write("\n") }

    public func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(diverted ?? descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    break  // EPIPE and friends: the reader went away; drop the output.
                }
                offset += written
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}
