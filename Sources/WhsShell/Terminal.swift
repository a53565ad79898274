import Glibc

public enum Terminal {
    /// The width of the terminal on `descriptor`, in columns; nil when it is not a terminal.
    public static func columns(_ descriptor: Int32 = 1) -> Int? {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// The height of the terminal on `descriptor`, in rows; nil when it is not a terminal.
    public static func rows(_ descriptor: Int32 = 1) -> Int? {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 else { return nil }
        return Int(size.ws_row)
    }

    /// Reads a line from the terminal with echo off (a key, a password). Nil at end of input.
    public static func readSecret(prompt: String) -> String? {
        _ = prompt.withCString { Glibc.write(2, $0, strlen($0)) }
        var saved = termios()
        let isTerminal = tcgetattr(0, &saved) == 0
        if isTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(0, TCSAFLUSH, &quiet)
        }
        defer {
            if isTerminal { tcsetattr(0, TCSAFLUSH, &saved) }
            _ = "\n".withCString { Glibc.write(2, $0, 1) }
        }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while Glibc.read(0, &byte, 1) == 1 {
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}
