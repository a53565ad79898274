import Glibc

/// A fresh directory under $TMPDIR (or /tmp), removed with everything in it when released.
public final class TemporaryDirectory {
    public let path: String

    public init() throws {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/whs-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw ConformanceFailure(description: "mkdtemp failed: \(errno)") }
        path = String(cString: made)
    }

    deinit { _ = system("rm -rf '\(path)'") }
}
