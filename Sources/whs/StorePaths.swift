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

    /// The default store's path, its directory created (mode 0700) if missing.
    static func preparedDefaultStore() throws -> String {
        let path = defaultStore
        if !path.parentDirectory.isEmpty { try FileIO.makeDirectories(path.parentDirectory) }
        return path
    }
}
