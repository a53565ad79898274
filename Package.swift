// swift-tools-version: 6.1
import PackageDescription

// whs: a scriptable shell for the EngageLab-style webhook API.
// The targets and the arrows between them are drawn in docs/DESIGN.md.
let package = Package(
    name: "whs",
    products: [
        .executable(name: "whs", targets: ["whs"]),
    ],
    dependencies: [
        // The remote client (`--url`, `connect URL`), https included.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // SHA-256 for stored keys; HMAC-SHA256 and MD5 for event signatures.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        // The shared store of several `whs serve` nodes (docs/SCALING.md).
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // The remote client's trust roots (`--ca-file`, `$SSL_CERT_FILE`); already under
        // async-http-client.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // The push client's event loops and HTTP/1.1 codec (WebhookDelivery); already under
        // async-http-client.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
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
        // Metrics, trace ids and JSON log lines (docs/OPERATIONS.md): what the server and the
        // dispatcher report to, in one place instead of in each route.
        .target(name: "WhsObservability", dependencies: ["WhsSupport"]),
        .target(name: "WebhookCore", dependencies: ["WhsSupport"]),
        .target(name: "WebhookStore", dependencies: ["WebhookCore", "CSQLite", .product(name: "Crypto", package: "swift-crypto")]),
        // Everything the SQLite store keeps, in PostgreSQL, for nodes that share one database.
        .target(
            name: "WebhookPostgres",
            dependencies: [
                "WebhookCore", "WhsSupport", "WebhookStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(name: "WhsLanguage", dependencies: ["WhsSupport"]),
        .target(name: "WhsShell", dependencies: ["WhsLanguage", "WebhookCore", "WhsSupport", "CEditLine"]),
        // `whs lsp` (docs/EDITORS.md): the language server, over the shell's parser and command table.
        .target(name: "WhsLanguageServer", dependencies: ["WhsLanguage", "WhsShell", "WebhookCore", "WhsSupport"]),
        // The web inspector (`/ui` on whs serve, docs/INSPECTOR.md): its pages and the embedded
        // assets (scripts/embed-inspector), over the store protocols; no server framework.
        .target(name: "WhsInspector", dependencies: ["WebhookCore", "WhsSupport"], exclude: ["Assets"]),
        // The HTTP/1.1 server of `whs serve` and `whs listen` (docs/DESIGN.md "Serving"):
        // SwiftNIO's sockets and codec under one connection handler of ours.
        .target(
            name: "HTTPServing",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "WebhookDelivery",
            dependencies: [
                "WebhookCore", "WhsSupport", "WhsObservability", "HTTPServing",
                .product(name: "Crypto", package: "swift-crypto"),
                // The push client (PushClient.swift): pools of keep-alive connections on SwiftNIO.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The receiver bench (docs/DELIVERY.md): `whs probe`'s battery, `listen --forward-to`
        // and `--save`, `repush`; a push client of its own beside WebhookDelivery's sender.
        .target(
            name: "ReceiverBench",
            dependencies: [
                "WebhookCore", "WebhookDelivery", "WhsSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // The sending side (docs/SENDING.md): a send's rules applied, each recipient's life
        // decided, its pushes handed to the dispatcher.
        .target(name: "MailSandbox", dependencies: ["WebhookCore", "WebhookDelivery", "WhsSupport", "WhsObservability"]),
        .target(
            name: "WebhookHTTP",
            dependencies: [
                "WebhookCore", "WhsSupport", "WebhookDelivery", "MailSandbox", "WhsObservability", "WhsInspector", "HTTPServing",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "whs",
            dependencies: ["WhsShell", "WebhookStore", "WebhookCore", "WebhookHTTP", "WebhookDelivery", "MailSandbox", "WebhookPostgres", "ReceiverBench", "WhsObservability", "WhsLanguageServer", "WhsInspector"],
            // Export no symbols: the linker otherwise puts all 37,000 in the dynamic symbol
            // table, and the Swift runtime's start-up lookups scan it (about 1.3 ms a launch).
            linkerSettings: [.unsafeFlags(["-Xlinker", "--no-export-dynamic"])],
            // `whs --version`: VERSION, the commit and the build date (docs/DESIGN.md).
            plugins: ["BuildStamp"]
        ),
        .plugin(name: "BuildStamp", capability: .buildTool()),
        // libFuzzer's entry point over the language and the shell on a memory store (scripts/fuzz
        // builds it with -sanitize=fuzzer); built plainly, it replays inputs (regression tests).
        .target(name: "CFuzz"),
        .executableTarget(name: "whs-fuzz", dependencies: ["WhsShell", "WebhookStore", "WhsLanguage", "CFuzz"], path: "Sources/whs-fuzz"),
        .target(name: "WhsTestSupport", dependencies: ["WebhookCore"], path: "Tests/WhsTestSupport"),
        .testTarget(name: "WhsSupportTests", dependencies: ["WhsSupport"]),
        .testTarget(name: "WhsObservabilityTests", dependencies: ["WhsObservability", "WhsSupport"]),
        .testTarget(name: "WebhookCoreTests", dependencies: ["WebhookCore"]),
        .testTarget(name: "WebhookStoreTests", dependencies: ["WebhookStore", "WebhookPostgres", "WhsTestSupport"]),
        .testTarget(name: "WhsLanguageTests", dependencies: ["WhsLanguage"]),
        .testTarget(name: "WhsInspectorTests", dependencies: ["WhsInspector", "WebhookStore", "WebhookCore", "WhsSupport"]),
        .testTarget(name: "WhsShellTests", dependencies: ["WhsShell", "WebhookStore", "WhsTestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["whs", "WhsTestSupport"]),
        .testTarget(name: "WebhookDeliveryTests", dependencies: ["WebhookDelivery", "WebhookStore", "WhsTestSupport"]),
        .testTarget(name: "WebhookHTTPTests", dependencies: ["WebhookHTTP", "WebhookStore", "WhsTestSupport"]),
        .testTarget(name: "ReceiverBenchTests", dependencies: ["ReceiverBench", "WebhookDelivery", "WebhookCore"]),
        .testTarget(name: "MailSandboxTests", dependencies: ["MailSandbox", "WebhookStore", "WebhookDelivery", "WebhookHTTP", "WebhookPostgres", "WhsTestSupport"]),
    ]
)
