import WhsSupport

/// Where whs keeps its files, by the XDG base directory rules.
enum StorePaths {
    static var home: String { Environment.nonEmpty("HOME") ?? "/tmp" }

    /// $WHS_STORE, else $XDG_DATA_HOME/whs/store.sqlite, else ~/.local/share/whs/store.sqlite.
    static var defaultStore: String {
        if let store = Environment.nonEmpty("WHS_STORE") { return store }
        let data = Environment.nonEmpty("XDG_DATA_HOME") ?? home + "/.local/share"
        return data + "/whs/store.sqlite"
    }

    /// $XDG_CONFIG_HOME/whs/init.whs, else ~/.config/whs/init.whs.
    static var initScript: String {
        (Environment.nonEmpty("XDG_CONFIG_HOME") ?? home + "/.config") + "/whs/init.whs"
    }

    /// The directory part of a path ("" for a bare file name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }
}
