import Glibc

public enum Environment {
    /// An environment variable, or nil when it is unset.
    public static func get(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// An environment variable that is set and not empty.
    public static func nonEmpty(_ name: String) -> String? {
        guard let value = get(name), !value.isEmpty else { return nil }
        return value
    }
}
