// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "keygate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "keygate", targets: ["keygate"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // C: only what Swift cannot import directly.
        .systemLibrary(name: "CKeygateSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CKeygateCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "CKeygateLinux", cSettings: [.define("_GNU_SOURCE")]),
        .systemLibrary(name: "CKeygatePQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),

        // Pure logic: no I/O, no Glibc, no Foundation. Time is an argument.
        .target(name: "KeygateCore", swiftSettings: strict),
        // SHA-256 and CSPRNG through OpenSSL libcrypto.
        .target(name: "KeygateCrypto", dependencies: ["CKeygateCrypto", "KeygateCore"], swiftSettings: strict),
        // SQLite: connection, statements, migrations, the key store.
        .target(
            name: "KeygateStore", dependencies: ["CKeygateSQLite", "KeygateCore", "KeygateCrypto"],
            swiftSettings: strict),
        // PostgreSQL through libpq: the connection, its schema, the key store the CLI writes through. Only the CLI
        // links it; workers read SQLite.
        .target(
            name: "KeygatePostgres",
            dependencies: ["CKeygatePQ", "KeygateCore", "KeygateCrypto", "KeygateStore", "KeygateSystem"],
            swiftSettings: strict),
        // The one syscall wrapper (EINTR, errno as text), epoll, nonblocking socket calls, file mappings, clocks.
        .target(name: "KeygateSystem", dependencies: ["CKeygateLinux", "KeygateCore"], swiftSettings: strict),
        // Shared-memory records: counters, per-IP table, last-used times, leases.
        .target(name: "KeygateZone", dependencies: ["KeygateCore", "KeygateSystem"], swiftSettings: strict),
        // The per-host agent of several hosts: Redis (a RESP2 connection whose every call has a deadline), leases into
        // the shared lease table.
        .target(
            name: "KeygateCluster",
            dependencies: [
                "KeygateCore", "KeygateSystem", "KeygateZone", "KeygateStore", "KeygatePostgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // The admin API (its own process, off the request path): admin keys, keys, usage and audit over HTTP, through
        // the same store as the CLI.
        .target(
            name: "KeygateAdmin",
            dependencies: [
                "KeygateCore", "KeygateCrypto", "KeygateStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Event loop, listeners, workers, supervisor, the decision path.
        .target(
            name: "KeygateServer",
            dependencies: [
                "CKeygateLinux", "KeygateCore", "KeygateCrypto", "KeygateStore", "KeygateSystem", "KeygateZone",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "keygate",
            dependencies: [
                "KeygateCore", "KeygateCrypto", "KeygateStore", "KeygatePostgres", "KeygateSystem", "KeygateZone",
                "KeygateServer", "KeygateCluster", "KeygateAdmin",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Benchmark and stress commands (bench-decide, bench-seed, counters-hammer), out of the production binary.
        .executableTarget(
            name: "keygate-bench",
            dependencies: [
                "KeygateCore", "KeygateCrypto", "KeygateStore", "KeygateSystem", "KeygateZone", "KeygateServer",
                "KeygateTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // What tests and tools use to play the other side (FastCGI client codecs, CGI responses, seeded randomness);
        // never linked into `keygate`.
        .target(name: "KeygateTesting", dependencies: ["KeygateCore"], swiftSettings: strict),

        .testTarget(name: "KeygateCoreTests", dependencies: ["KeygateCore", "KeygateTesting"], swiftSettings: strict),
        .testTarget(
            name: "KeygateStoreTests",
            dependencies: ["KeygateStore", "KeygateCrypto", "KeygateCore", "KeygateTesting"],
            swiftSettings: strict),
        .testTarget(
            name: "KeygateSystemTests", dependencies: ["CKeygateLinux", "KeygateSystem"], swiftSettings: strict),
        .testTarget(
            name: "KeygateServerTests",
            dependencies: [
                "KeygateServer", "KeygateZone", "KeygateSystem", "KeygateStore", "KeygateCore", "KeygateTesting",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "KeygateAdminTests",
            dependencies: [
                "KeygateAdmin", "KeygateStore", "KeygateCore", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // The command line's pure parts (resolving `keygate serve`'s configuration), without running the binary.
        .testTarget(
            name: "KeygateCLITests", dependencies: ["keygate", "KeygateServer", "KeygateSystem", "KeygateCore"],
            swiftSettings: strict),
        // Drives the built `keygate` and `keygate-bench` binaries with real nginx, cgi-fcgi and curl, and the Redis
        // connection with a real redis-server.
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "KeygateCluster", "KeygatePostgres", "KeygateStore", "KeygateCore", "KeygateTesting", "keygate",
                "keygate-bench",
            ],
            swiftSettings: strict),
    ]
)
