import WebhookCore
import WhsSupport

/// Where whs keeps its files, by the XDG base directory rules.
enum StorePaths {
    static var home: String { Environment.nonEmpty("HOME") ?? "/tmp" }

    /// $WHS_STORE, else $XDG_DATA_HOME/whs/store.sqlite, else ~/.local/share/whs/store.sqlite.
    static var defaultStore: String {
        if let store = Environment.nonEmpty("WHS_STORE") { return store }
        return dataFolder + "/store.sqlite"
    }

    /// $XDG_DATA_HOME/whs, else ~/.local/share/whs.
    static var dataFolder: String { (Environment.nonEmpty("XDG_DATA_HOME") ?? home + "/.local/share") + "/whs" }

    /// $WHS_STORE when it is a PostgreSQL URL.
    static var defaultPostgres: String? {
        Environment.nonEmpty("WHS_STORE").flatMap { PostgresLocation.names($0) ? $0 : nil }
    }

    /// The key file that seals app keys in a shared store, for every node on this machine.
    static var sealKeyFile: String { dataFolder + "/postgres-seal.key" }

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
