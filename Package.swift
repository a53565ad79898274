// swift-tools-version: 6.0
import PackageDescription

// whs: a scriptable shell for the EngageLab-style webhook API.
// The targets and the arrows between them are drawn in docs/DESIGN.md.
let package = Package(
    name: "whs",
    products: [
        .executable(name: "whs", targets: ["whs"]),
    ],
    targets: [
        // SQLite's C API, from the system (Debian: libsqlite3-dev).
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // libedit's native API (Debian: libedit-dev), for the interactive line editor.
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .target(name: "WhsSupport"),
        .target(name: "WebhookCore", dependencies: ["WhsSupport"]),
        .target(name: "WebhookStore", dependencies: ["WebhookCore", "CSQLite"]),
        .target(name: "WhsLanguage", dependencies: ["WhsSupport"]),
        .target(name: "WhsShell", dependencies: ["WhsLanguage", "WebhookCore", "WhsSupport", "CEditLine"]),
        .executableTarget(
            name: "whs",
            dependencies: ["WhsShell", "WebhookStore", "WebhookCore"]
        ),
        .target(name: "WhsTestSupport", dependencies: ["WebhookCore"], path: "Tests/WhsTestSupport"),
        .testTarget(name: "WhsSupportTests", dependencies: ["WhsSupport"]),
        .testTarget(name: "WebhookCoreTests", dependencies: ["WebhookCore"]),
        .testTarget(name: "WebhookStoreTests", dependencies: ["WebhookStore", "WhsTestSupport"]),
        .testTarget(name: "WhsLanguageTests", dependencies: ["WhsLanguage"]),
        .testTarget(name: "WhsShellTests", dependencies: ["WhsShell", "WebhookStore", "WhsTestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["whs", "WhsTestSupport"]),
    ]
)
